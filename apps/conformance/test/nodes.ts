import { fork, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BtpClient } from '@stack/channel-btp'
import { ildcpFetch, IlpPacketType, sendOverLink, serveOnLink, type PrepareHandler } from '@stack/ilp-core'
import { spspReceiver, SpspServer, type SpspGenerator } from '@stack/spsp'
import { createServer, decodeStreamPacket, decrypt, encryptionKey, fulfillmentKey, fulfillmentOf } from '@stack/stream'
import { conformanceCommand, type CheckResult } from '../src/index.js'

export const token = (): string => randomBytes(12).toString('hex')

/** Runs the command as an operator would (with --yes --json); the exit code and the parsed results. */
export async function conformance(args: string[]): Promise<{ code: number; results: CheckResult[]; byId: Map<string, CheckResult>; err: string }> {
  let out = ''
  let err = ''
  const code = await conformanceCommand([...args, '--yes', '--json'], { out: (t) => (out += t), err: (t) => (err += t) })
  const results = (JSON.parse(out) as { results: CheckResult[] }).results
  return { code, results, byId: new Map(results.map((r) => [r.id, r])), err }
}

/** id → outcome, for asserting a whole table at once. */
export const table = (results: CheckResult[]): Record<string, string> => Object.fromEntries(results.map((r) => [r.id, r.outcome]))

const connectorMain = fileURLToPath(new URL('../../connector/dist/main.js', import.meta.url))

export interface RunningConnector {
  readonly ports: { btp: number; http?: number; admin: number }
  admin<T>(path: string): Promise<T>
  stop(): Promise<void>
}

/** Our connector (apps/connector) as its own process, from its built bin, on `config`. */
export async function startConnector(config: Record<string, unknown>): Promise<RunningConnector> {
  const path = join(mkdtempSync(join(tmpdir(), 'conformance-')), 'connector.json')
  writeFileSync(path, JSON.stringify(config))
  const child: ChildProcess = fork(connectorMain, ['--config', path], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
  let out = ''
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  for (let i = 0; i < 400; i++) {
    const line = out.split('\n').find((l) => l.includes('"connector started"'))
    if (line !== undefined) {
      const ports = (JSON.parse(line) as { ports: RunningConnector['ports'] }).ports
      return {
        ports,
        admin: async <T>(p: string) => (await (await fetch(`http://127.0.0.1:${ports.admin}${p}`)).json()) as T,
        async stop() {
          child.kill('SIGTERM')
          await exited
        },
      }
    }
    if (child.exitCode !== null) break
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  child.kill('SIGKILL')
  throw new Error(`connector did not start:\n${out}`)
}

export interface Receiver {
  readonly spspUrl: string
  /** Units its STREAM server received. */
  received(): bigint
  close(): Promise<void>
}

/**
 * A receiver's deliberate defect: signing receipts with a secret of its own, not the verifier's
 * (RFC 0039 §SPSP) while saying receipts_enabled; or fulfilling a Prepare below the STREAM
 * packet's prepareAmount (RFC 0029 §5.2).
 */
export type ReceiverDefect = 'foreign-receipts' | 'ignores-min-amount'

/** A STREAM receiver with an SPSP endpoint, a child of the node at `url` (as `stack receive` runs one). */
export async function startReceiver(url: string, defect?: ReceiverDefect): Promise<Receiver> {
  const link = new BtpClient({ url, reconnect: false })
  await link.connect()
  const info = await ildcpFetch(sendOverLink(link, { triggeredBy: '', peer: 'node' }))
  const sendPrepare = sendOverLink(link, { triggeredBy: info.clientAddress, peer: 'node' })
  const server = await createServer({ serverSecret: randomBytes(32), serverAddress: info.clientAddress, assetDetails: { code: info.assetCode, scale: info.assetScale }, sendPrepare })
  const secrets = new Map<string, Uint8Array>()
  const handler: PrepareHandler =
    defect === 'ignores-min-amount'
      ? async (prepare) => {
          const reply = await server.handlePrepare(prepare)
          const secret = secrets.get(prepare.destination)
          if (reply.type !== IlpPacketType.Reject || secret === undefined) return reply
          const packet = decodeStreamPacket(decrypt(encryptionKey(secret), prepare.data))
          if (packet.prepareAmount <= prepare.amount) return reply
          return { type: IlpPacketType.Fulfill, fulfillment: fulfillmentOf(fulfillmentKey(secret), prepare.data), data: new Uint8Array(0) }
        }
      : server.handlePrepare
  link.setRequestHandler(serveOnLink(handler, { triggeredBy: info.clientAddress }))
  let received = 0n
  server.on('connection', (connection) => connection.on('stream', (stream) => {
    stream.setReceiveMax(1_000_000n)
    stream.on('money', (amount: bigint) => (received += amount))
  }))
  const honest = spspReceiver({ streamServer: server })
  const generator: SpspGenerator =
    defect === 'foreign-receipts'
      ? () => server.generateAddressAndSecret({ receiptNonce: randomBytes(16), receiptSecret: randomBytes(32) })
      : async (request) => {
          const details = await honest(request)
          if (details !== undefined) secrets.set(details.destinationAccount, details.sharedSecret)
          return details
        }
  const spsp = new SpspServer({ endpoints: { '/.well-known/pay': generator } })
  await spsp.listen(0)
  return {
    spspUrl: `${spsp.url}/.well-known/pay`,
    received: () => received,
    async close() {
      await spsp.close()
      await link.close()
    },
  }
}
