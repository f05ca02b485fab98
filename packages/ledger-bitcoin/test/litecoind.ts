/**
 * A litecoind regtest node (Litecoin Core 0.21: Bitcoin Core's codebase) for the tests that run
 * where it is installed (`apt-get install litecoind`; they are skipped elsewhere): a fresh data
 * directory, JSON-RPC on a free loopback port, a wallet that mines and pays. Mining stays below
 * block 431, where Litecoin's MWEB extension activates and wants a peg-in.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Network } from 'bitcoinjs-lib'
import { BitcoinRpc, RpcCallError, RpcUnreachableError, satsToBtc } from '../src/index.js'
import { freePort } from './regtest.js'

export const litecoindInstalled = spawnSync('litecoind', ['-version'], { stdio: 'ignore' }).status === 0

/** Litecoin's regtest prefixes (chainparams.cpp), in bitcoinjs-lib's Network shape. */
export const litecoinRegtest: Network = {
  messagePrefix: '\x19Litecoin Signed Message:\n',
  bech32: 'rltc',
  bip32: { public: 0x043587cf, private: 0x04358394 },
  pubKeyHash: 0x6f,
  scriptHash: 0x3a,
  wif: 0xef
}

export interface Litecoind {
  readonly rpc: BitcoinRpc
  readonly url: string
  readonly user: string
  readonly password: string
  mine(blocks: number): Promise<string[]>
  /** Pays from the node's wallet (not yet mined); the txid. */
  pay(address: string, sats: bigint): Promise<string>
  stop(): Promise<void>
}

export async function startLitecoind(extraArgs: readonly string[] = [], initialBlocks = 120): Promise<Litecoind> {
  const datadir = mkdtempSync(join(tmpdir(), 'litecoind-'))
  const [rpcport, port] = [await freePort(), await freePort()]
  const user = 'stack'
  const password = randomBytes(16).toString('hex')
  const child: ChildProcess = spawn(
    'litecoind',
    ['-regtest', `-datadir=${datadir}`, `-rpcport=${rpcport}`, `-port=${port}`, `-rpcuser=${user}`, `-rpcpassword=${password}`, '-listen=0', '-server=1', '-printtoconsole=0', '-fallbackfee=0.0002', ...extraArgs],
    { stdio: 'ignore' }
  )
  const url = `http://127.0.0.1:${rpcport}/`
  const rpc = new BitcoinRpc({ url, user, password })
  // Until the RPC server listens (unreachable), then while it warms up (RPC error -28).
  for (;;) {
    try {
      await rpc.getBlockchainInfo()
      break
    } catch (error) {
      if (!(error instanceof RpcUnreachableError || (error instanceof RpcCallError && error.code === -28))) throw error
      if (child.exitCode !== null) throw new Error(`litecoind exited with ${child.exitCode}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  await rpc.call('createwallet', ['miner'])
  const miner = await rpc.call<string>('getnewaddress', ['', 'bech32'])
  const mine = (blocks: number): Promise<string[]> => rpc.call<string[]>('generatetoaddress', [blocks, miner])
  await mine(initialBlocks)
  return {
    rpc,
    url,
    user,
    password,
    mine,
    pay: (address, sats) => rpc.call<string>('sendtoaddress', [address, satsToBtc(sats)]),
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
      rmSync(datadir, { recursive: true, force: true })
    }
  }
}
