import { fork, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BtpClient } from '@stack/channel-btp'
import { ildcpFetch, sendOverLink, serveOnLink } from '@stack/ilp-core'
import { spspReceiver, SpspServer, type SpspGenerator } from '@stack/spsp'
import { createServer } from '@stack/stream'
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
 * A STREAM receiver with an SPSP endpoint, a child of the node at `url` (as `stack receive` runs
 * one). `foreignReceipts`: the defect of signing receipts with a secret of its own, not the
 * verifier's (RFC 0039 §SPSP), while still saying receipts_enabled.
 */
export async function startReceiver(url: string, foreignReceipts = false): Promise<Receiver> {
  const link = new BtpClient({ url, reconnect: false })
  await link.connect()
  const info = await ildcpFetch(sendOverLink(link, { triggeredBy: '', peer: 'node' }))
  const sendPrepare = sendOverLink(link, { triggeredBy: info.clientAddress, peer: 'node' })
  const server = await createServer({ serverSecret: randomBytes(32), serverAddress: info.clientAddress, assetDetails: { code: info.assetCode, scale: info.assetScale }, sendPrepare })
  link.setRequestHandler(serveOnLink(server.handlePrepare, { triggeredBy: info.clientAddress }))
  let received = 0n
  server.on('connection', (connection) => connection.on('stream', (stream) => {
    stream.setReceiveMax(1_000_000n)
    stream.on('money', (amount: bigint) => (received += amount))
  }))
  const generator: SpspGenerator = foreignReceipts
    ? () => ({ ...server.generateAddressAndSecret({ receiptNonce: randomBytes(16), receiptSecret: randomBytes(32) }) })
    : spspReceiver({ streamServer: server })
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
