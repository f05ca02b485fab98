import { fork, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import type { Command, Message, Request } from './protocol.js'

/**
 * bcoin's regtest address and key prefixes, in the shape of a bitcoinjs-lib `Network`. They are
 * not Bitcoin Core's (`bcrt1…`, 0x6f): bcoin gave regtest its own. The genesis block, and so the
 * chain hash that Lightning nodes check, is Bitcoin's regtest genesis.
 */
export const regtestNetwork = {
  messagePrefix: '\x18Bitcoin Signed Message:\n',
  bech32: 'rb',
  bip32: { public: 0xeab4fa05, private: 0xeab404c7 },
  pubKeyHash: 0x3c,
  scriptHash: 0x26,
  wif: 0x5a
} as const

/** Blocks mined at start: past segwit's activation (block 432) and CLTV's (1351). */
export const DEFAULT_INITIAL_BLOCKS = 1400

export interface RegtestOptions {
  /** Blocks mined to the faucet before `startRegtest` resolves. */
  readonly initialBlocks?: number
  /** bcoin's log level on the child's stderr: 'error' (default), 'warning', 'info', 'debug'. */
  readonly logLevel?: string
  /** How long the node may take to start. */
  readonly startTimeoutMs?: number
}

export interface Regtest {
  /** The node's Bitcoin Core–style JSON-RPC endpoint, e.g. http://127.0.0.1:40123/ (HTTP basic auth). */
  readonly rpcUrl: string
  /** bcoin checks only the password; any user name is accepted. */
  readonly rpcUser: string
  readonly rpcPassword: string
  /** The chain height when the node became ready. */
  readonly startHeight: number
  /** Mines `blocks` blocks (with the mempool's transactions), their coinbase to `address` or the faucet; the block hashes. */
  mine(blocks: number, address?: string): Promise<string[]>
  /** Pays `sats` from the faucet wallet to `address` (a regtest address, see `regtestNetwork`); the txid, in the mempool. */
  fund(address: string, sats: number): Promise<string>
  /** Stops the node process (SIGTERM, then SIGKILL after a second). */
  stop(): Promise<void>
}

export class RegtestError extends Error {
  override readonly name = 'RegtestError'
}

// Through ../dist so that the path holds from dist/ and from src/ (tests run the sources).
const nodeProcessPath = fileURLToPath(new URL('../dist/node-process.js', import.meta.url))

/** Starts a fresh in-memory regtest full node (bcoin) in a child process, listening on loopback. */
export async function startRegtest(options: RegtestOptions = {}): Promise<Regtest> {
  const rpcPassword = randomBytes(16).toString('hex')
  const child = fork(nodeProcessPath, [], {
    env: {
      ...process.env,
      NODE_BACKEND: 'js',
      STACK_REGTEST_API_KEY: rpcPassword,
      STACK_REGTEST_BLOCKS: String(options.initialBlocks ?? DEFAULT_INITIAL_BLOCKS),
      STACK_REGTEST_LOG_LEVEL: options.logLevel ?? 'error'
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc']
  })
  const ready = await waitReady(child, options.startTimeoutMs ?? 60_000)

  let nextId = 1
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>()
  child.on('message', (message: Message) => {
    if (message.type === 'ready') return
    const waiter = pending.get(message.id)
    pending.delete(message.id)
    if (message.type === 'result') waiter?.resolve(message.value)
    else waiter?.reject(new RegtestError(message.message))
  })
  child.on('exit', () => {
    for (const waiter of pending.values()) waiter.reject(new RegtestError('the regtest node exited'))
    pending.clear()
  })

  function request<T>(command: Request): Promise<T> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.reject(new RegtestError('the regtest node has stopped'))
    const id = nextId++
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
      child.send({ ...command, id } satisfies Command)
    })
  }

  return {
    rpcUrl: `http://127.0.0.1:${ready.port}/`,
    rpcUser: 'regtest',
    rpcPassword,
    startHeight: ready.height,
    mine: (blocks, address) => request<string[]>({ op: 'mine', blocks, ...(address === undefined ? {} : { address }) }),
    fund: (address, sats) => request<string>({ op: 'fund', address, sats }),
    stop: () => stopChild(child)
  }
}

function waitReady(child: ChildProcess, timeoutMs: number): Promise<{ port: number; height: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new RegtestError(`the regtest node did not start within ${timeoutMs} ms`))
    }, timeoutMs)
    child.once('message', (message: Message) => {
      clearTimeout(timer)
      if (message.type === 'ready') resolve(message)
      else reject(new RegtestError(`unexpected first message from the regtest node: ${message.type}`))
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new RegtestError(`the regtest node exited during start (${signal ?? `code ${code}`})`))
    })
  })
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 1_000)
  await exited
  clearTimeout(timer)
}
