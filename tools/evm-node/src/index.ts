import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { anvilPath } from './binary.js'
import { EvmNodeError, EvmNodeOptionError } from './errors.js'
import { guard, guardFolder, stopProcess } from '@stack/process-guard'

export { anvilPath } from './binary.js'
export { EvmNodeError, EvmNodeOptionError } from './errors.js'
export { ToolUnavailableError } from '@stack/process-guard'

/** The anvil release this package installs (its optional dependencies pin it). */
export const ANVIL_VERSION = '1.7.1'

/** anvil's own default mnemonic: the well-known dev keys (never hold anything real with them). */
export const DEFAULT_MNEMONIC = 'test test test test test test test test test test test junk'

type Hex = `0x${string}`

export interface EvmNodeOptions {
  /** Genesis accounts derived from the mnemonic (m/44'/60'/0'/0/i). Default 3. */
  readonly accounts?: number
  /** Ether each genesis account holds. Default 1 000. */
  readonly balanceEther?: number
  /** Default 31337 (anvil's). */
  readonly chainId?: number
  /** Seconds between blocks (interval mining). Default: none, a block for each transaction (automine). */
  readonly blockTime?: number
  /**
   * Wei per gas that `eth_gasPrice` answers. Default: anvil's (from the base fee). A chain
   * without fees is `{ hardfork: 'berlin', gasPrice: 0n }` (before London there is no base
   * fee), with legacy transactions priced by `eth_gasPrice`: anvil's `eth_maxPriorityFeePerGas`
   * and `eth_fillTransaction` still answer a 1 gwei tip.
   */
  readonly gasPrice?: bigint
  /** An EVM hardfork by name ('berlin', 'london', 'cancun', 'prague' …). Default: anvil's latest. */
  readonly hardfork?: string
  /** Default `DEFAULT_MNEMONIC`. */
  readonly mnemonic?: string
  /** How long anvil may take to answer JSON-RPC. Default 30 s. */
  readonly startTimeoutMs?: number
}

export interface EvmNode {
  /** JSON-RPC over HTTP on loopback, e.g. `http://127.0.0.1:40123/`. */
  readonly rpcUrl: string
  readonly chainId: number
  /** The genesis accounts' private keys, in derivation order. */
  readonly keys: readonly Hex[]
  /** Their addresses (lower case), in the same order. */
  readonly addresses: readonly Hex[]
  /** One JSON-RPC call; its `result`. @throws EvmNodeError with the node's error message */
  request(method: string, params?: readonly unknown[]): Promise<unknown>
  /** Moves the chain's clock on by `seconds` (`evm_increaseTime`) and mines a block (`evm_mine`). */
  advance(seconds: number): Promise<void>
  /** Kills the node (SIGKILL: the chain is in memory, nothing to flush) and waits for it to exit. */
  stop(): Promise<void>
}

/**
 * Starts a fresh in-memory EVM chain: Foundry's anvil in a child process, listening on a free
 * loopback port, with its own genesis accounts. Resolves once the node answers `eth_chainId`.
 * The node dies with this process, however it ends (see `guard`).
 * @throws EvmNodeOptionError, ToolUnavailableError (no anvil), EvmNodeError (did not start in time, or exited)
 */
export async function startEvmNode(options: EvmNodeOptions = {}): Promise<EvmNode> {
  const accounts = positiveInteger('accounts', options.accounts ?? 3)
  const balance = positiveInteger('balanceEther', options.balanceEther ?? 1_000)
  const chainId = positiveInteger('chainId', options.chainId ?? 31_337)
  const timeoutMs = positiveInteger('startTimeoutMs', options.startTimeoutMs ?? 30_000)
  const binary = anvilPath()
  const args = ['--host', '127.0.0.1', '--port', '0', '--color', 'never', '--accounts', `${accounts}`, '--balance', `${balance}`, '--chain-id', `${chainId}`]
  args.push('--mnemonic', options.mnemonic ?? DEFAULT_MNEMONIC)
  if (options.blockTime !== undefined) args.push('--block-time', `${positiveInteger('blockTime', options.blockTime)}`)
  if (options.gasPrice !== undefined) args.push('--gas-price', `${wei('gasPrice', options.gasPrice)}`)
  if (options.hardfork !== undefined) {
    if (!/^[a-z]+$/i.test(options.hardfork)) throw new EvmNodeOptionError('hardfork', options.hardfork, 'must be a hardfork name')
    args.push('--hardfork', options.hardfork)
  }

  // anvil writes its keys as JSON (--config-out) before it listens.
  const dir = await mkdtemp(join(tmpdir(), 'evm-node-'))
  const removeDir = guardFolder(dir)
  const configPath = join(dir, 'anvil.json')
  args.push('--config-out', configPath)
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  guard(child)
  try {
    const port = await listeningPort(child, timeoutMs)
    const config = JSON.parse(await readFile(configPath, 'utf8')) as { private_keys: Hex[]; available_accounts: Hex[] }
    const rpcUrl = `http://127.0.0.1:${port}/`
    const request = (method: string, params: readonly unknown[] = []): Promise<unknown> => call(rpcUrl, method, params)
    const answered = await request('eth_chainId')
    if (Number(answered) !== chainId) throw new EvmNodeError(`anvil answered chain id ${String(answered)}, not ${chainId}`)
    return {
      rpcUrl,
      chainId,
      keys: config.private_keys,
      addresses: config.available_accounts,
      request,
      async advance(seconds) {
        await request('evm_increaseTime', [positiveInteger('seconds', seconds, 0)])
        await request('evm_mine')
      },
      stop: () => stopProcess(child)
    }
  } catch (error) {
    await stopProcess(child)
    throw error
  } finally {
    removeDir()
  }
}

/** Reads anvil's stdout until "Listening on 127.0.0.1:<port>"; keeps draining it after (a full pipe would stall the node). */
function listeningPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = ''
    let stderr = ''
    const fail = (message: string): void => {
      clearTimeout(timer)
      reject(new EvmNodeError(`${message}${stderr.trim() === '' ? '' : `: ${stderr.trim().slice(-2_000)}`}`))
    }
    const timer = setTimeout(() => fail(`anvil did not listen within ${timeoutMs} ms`), timeoutMs)
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4_000)
    })
    let listening = false
    child.stdout?.on('data', (chunk: Buffer) => {
      if (listening) return
      stdout += chunk.toString()
      const port = /Listening on 127\.0\.0\.1:(\d+)/.exec(stdout)?.[1]
      if (port === undefined) return
      listening = true
      clearTimeout(timer)
      resolve(Number(port))
    })
    child.once('error', (error) => fail(`anvil could not be started (${error.message})`))
    child.once('exit', (code, signal) => fail(`anvil exited during start (${signal ?? `code ${code}`})`))
  })
}

async function call(rpcUrl: string, method: string, params: readonly unknown[]): Promise<unknown> {
  let body: { result?: unknown; error?: { message: string } }
  try {
    const response = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })
    body = (await response.json()) as typeof body
  } catch (error) {
    throw new EvmNodeError(`${method}: no answer from ${rpcUrl} (${error instanceof Error ? error.message : String(error)})`)
  }
  if (body.error !== undefined) throw new EvmNodeError(`${method}: ${body.error.message}`)
  return body.result
}

function positiveInteger(name: string, value: number, min = 1): number {
  if (!Number.isSafeInteger(value) || value < min) throw new EvmNodeOptionError(name, value, `must be an integer ≥ ${min}`)
  return value
}

function wei(name: string, value: bigint): bigint {
  if (typeof value !== 'bigint' || value < 0n) throw new EvmNodeOptionError(name, value, 'must be a bigint ≥ 0 (wei)')
  return value
}
