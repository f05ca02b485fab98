import { randomBytes } from 'node:crypto'
import { createServer, type AddressInfo } from 'node:net'
import { BtpClient } from '@stack/channel-btp'
import type { Link } from '@stack/channel-core'
import {
  conditionOf,
  decodePrepare,
  decodeReply,
  encodePrepare,
  encodeReply,
  IlpPacketType,
  type IlpReply,
} from '@stack/ilp-core'
import type { Logger } from 'pino'
import { validateConfig, type ConnectorConfig } from '../src/config.js'
import { createLogger } from '../src/logger.js'
import { startNode, waitFor, type ConnectorNode } from '../src/node.js'

export { waitFor }

/**
 * A port free now on 127.0.0.1, for a process that must be told its port before it starts.
 * Another process may take it meanwhile: prefer port 0 and the port the process reports.
 */
export async function freePort(): Promise<number> {
  const held = await heldPort()
  await held.close()
  return held.port
}

/** A port on 127.0.0.1 that a listener of ours holds until `close()`: taken, for another process. */
export async function heldPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

/** Fast CCP for tests: routes converge in tens of milliseconds, lapse in two seconds. */
export const FAST_CCP = { broadcastIntervalMs: 500, holdDownTimeMs: 2_000, minUpdateIntervalMs: 10, controlRetryIntervalMs: 200, advertise: 'ilp-connector' }

/**
 * Resolves once CCP has converged across `nodes` (their links up): every one in sync with all its
 * peers at the same instant, so no route update is in flight anywhere (CcpNode.inSync). That a
 * node has *a* route proves nothing: a better one may still be on its way to replace it.
 */
export function routesConverged(nodes: Iterable<ConnectorNode>, timeoutMs = 5_000): Promise<void> {
  const all = [...nodes]
  return waitFor(() => all.every((n) => n.ccp.inSync()), timeoutMs, 'routes to converge')
}

/** Starts a node from a raw (file-shaped) configuration, silent unless LOG_LEVEL is set (or given a logger). */
export async function node(raw: Record<string, unknown>, logger?: Logger): Promise<ConnectorNode> {
  const config: ConnectorConfig = validateConfig({ ccp: FAST_CCP, packets: { minMessageWindowMs: 200, maxHoldTimeMs: 10_000 }, shutdownTimeoutMs: 5_000, ...raw })
  return startNode(config, { logger: logger ?? createLogger((process.env.LOG_LEVEL as 'info' | undefined) ?? 'silent') })
}

/** A logger that keeps every line (as parsed JSON) in `lines`, from `level` up. */
export function capturingLogger(level: 'info' | 'warn' = 'warn'): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = []
  const logger = createLogger(level, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) })
  return { logger, lines }
}

export type Behaviour = 'fulfill' | 'hold' | 'ignore' | 'wrong'

/**
 * An end host over BTP: the sender side of a payment (`pay`) and the receiver side (answers
 * Prepares by what the test asked for the condition, records what it was paid). Sender and
 * receiver share `intents`, as an SPSP exchange would share the secret.
 */
export interface Host {
  readonly link: Link
  /** Receiver: amounts it fulfilled. */
  readonly delivered: bigint[]
  /** Receiver: the Prepares it saw (amount and destination). */
  readonly seen: { amount: bigint; destination: string }[]
  /** Receiver: answers every held Prepare now. */
  release(behaviour: 'fulfill' | 'reject'): void
  readonly heldCount: () => number
  pay(destination: string, amount: bigint, behaviour: Behaviour, expiresInMs?: number): Promise<IlpReply>
  close(): Promise<void>
}

export interface Intents {
  byCondition: Map<string, { fulfillment: Uint8Array; behaviour: Behaviour }>
}

export function intents(): Intents {
  return { byCondition: new Map() }
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** A host dialing `url` over BTP. */
export async function host(url: string, shared: Intents): Promise<Host> {
  return hostOn(new BtpClient({ url, reconnect: false }), shared)
}

/** A host on any link (connected here). */
export async function hostOn(link: Link, shared: Intents): Promise<Host> {
  const delivered: bigint[] = []
  const seen: { amount: bigint; destination: string }[] = []
  const held: ((behaviour: 'fulfill' | 'reject') => void)[] = []
  link.setRequestHandler(async (bytes) => {
    const prepare = decodePrepare(bytes)
    seen.push({ amount: prepare.amount, destination: prepare.destination })
    const intent = shared.byCondition.get(hex(prepare.executionCondition))
    const reject = (code: string): Uint8Array =>
      encodeReply({ type: IlpPacketType.Reject, code, triggeredBy: prepare.destination, message: 'refused', data: new Uint8Array(0) })
    const fulfill = (): Uint8Array => {
      // RFC 0027 step 10: a receiver fulfills only before the expiry.
      if (intent === undefined || Date.now() >= prepare.expiresAt.getTime()) return reject('R00')
      delivered.push(prepare.amount)
      return encodeReply({ type: IlpPacketType.Fulfill, fulfillment: intent.fulfillment, data: new Uint8Array(0) })
    }
    switch (intent?.behaviour) {
      case 'fulfill':
        return fulfill()
      case 'wrong':
        return encodeReply({ type: IlpPacketType.Fulfill, fulfillment: randomBytes(32), data: new Uint8Array(0) })
      case 'hold':
        return new Promise<Uint8Array>((resolve) => held.push((b) => resolve(b === 'fulfill' ? fulfill() : reject('F99'))))
      case 'ignore':
        return new Promise<Uint8Array>(() => undefined)
      default:
        return reject('F06')
    }
  })
  await link.connect()
  return {
    link,
    delivered,
    seen,
    release: (behaviour) => {
      for (const answer of held.splice(0)) answer(behaviour)
    },
    heldCount: () => held.length,
    async pay(destination, amount, behaviour, expiresInMs = 10_000) {
      const fulfillment = randomBytes(32)
      const condition = conditionOf(fulfillment)
      shared.byCondition.set(hex(condition), { fulfillment, behaviour })
      const bytes = encodePrepare({ amount, destination, executionCondition: condition, expiresAt: new Date(Date.now() + expiresInMs), data: new Uint8Array(0) })
      return decodeReply(await link.request(bytes, { timeoutMs: expiresInMs + 1_000 }))
    },
    close: () => link.close(),
  }
}

export const token = (): string => randomBytes(12).toString('hex')

/** Committed balances of every peer of every node, as `node/peer` → balance. */
export function balances(nodes: Record<string, ConnectorNode>): Map<string, bigint> {
  const out = new Map<string, bigint>()
  for (const [name, n] of Object.entries(nodes)) {
    for (const [peer, snapshot] of Object.entries(n.connector.balances())) out.set(`${name}/${peer}`, snapshot.balance)
  }
  return out
}

/** Change of each balance between two snapshots (missing entries count as 0). */
export function changes(before: Map<string, bigint>, after: Map<string, bigint>): Map<string, bigint> {
  const out = new Map<string, bigint>()
  for (const key of new Set([...before.keys(), ...after.keys()])) out.set(key, (after.get(key) ?? 0n) - (before.get(key) ?? 0n))
  return out
}

/** Every hold of every node resolved: nothing reserved is left hanging. */
export function pendingHolds(nodes: Record<string, ConnectorNode>): bigint {
  let total = 0n
  for (const n of Object.values(nodes)) {
    for (const snapshot of Object.values(n.connector.balances())) total += -snapshot.pendingDebit + snapshot.pendingCredit
  }
  return total
}

export async function stopAll(...things: ({ stop(): Promise<void> } | { close(): Promise<void> } | undefined)[]): Promise<void> {
  for (const thing of things) {
    if (thing === undefined) continue
    await ('stop' in thing ? thing.stop() : thing.close()).catch(() => undefined)
  }
}
