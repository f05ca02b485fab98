import { createServer } from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { Block } from 'bitcoinjs-lib'
import { BitcoinRpc, RpcAuthError, RpcCallError, RpcUnreachableError } from '../src/index.js'
import { freePort, startRegtest, type Regtest } from './regtest.js'

let node: Regtest
let rpc: BitcoinRpc
beforeAll(async () => {
  node = await startRegtest()
  rpc = new BitcoinRpc({ url: node.rpcUrl, user: node.rpcUser, password: node.rpcPassword })
})
afterAll(async () => {
  await node.stop()
})

it('reads the chain: blockchain info, block hashes, blocks raw and verbose, transactions', async () => {
  const info = await rpc.getBlockchainInfo()
  expect(info).toMatchObject({ chain: 'regtest', blocks: node.startHeight })
  const hash = await rpc.getBlockHash(info.blocks)
  expect(hash).toBe(info.bestblockhash)
  const block = Block.fromHex(await rpc.getBlockHex(hash))
  expect(block.getId()).toBe(hash)
  const verbose = await rpc.getBlock(hash)
  expect(verbose).toMatchObject({ hash, height: info.blocks, tx: [block.transactions?.[0]?.getId()] })
  const coinbase = await rpc.getRawTransaction(verbose.tx[0] as string)
  expect(coinbase.confirmations).toBe(1)
  expect(await rpc.getRawTransactionHex(coinbase.txid)).toBe(coinbase.hex)
  expect(await rpc.getMempoolEntry(coinbase.txid)).toBeUndefined()
  expect(await rpc.call('getblockcount')).toBe(info.blocks)
})

it('names its failures: a call the node refuses, wrong credentials, a node that is not there', async () => {
  await expect(rpc.call('nosuchmethod')).rejects.toBeInstanceOf(RpcCallError)
  await expect(rpc.getBlockHash(10_000_000)).rejects.toMatchObject({ name: 'RpcCallError', method: 'getblockhash' })
  const wrong = new BitcoinRpc({ url: node.rpcUrl, user: node.rpcUser, password: 'not-the-password' })
  await expect(wrong.getBlockchainInfo()).rejects.toBeInstanceOf(RpcAuthError)
  const absent = new BitcoinRpc({ url: `http://127.0.0.1:${await freePort()}/`, user: 'u', password: 'p' })
  await expect(absent.getBlockchainInfo()).rejects.toBeInstanceOf(RpcUnreachableError)
  // A server that accepts the connection and never answers.
  const silent = createServer(() => {}).listen(0, '127.0.0.1')
  await new Promise((resolve) => silent.once('listening', resolve))
  const address = silent.address()
  const hung = new BitcoinRpc({ url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/`, user: 'u', password: 'p', requestTimeoutMs: 200 })
  await expect(hung.getBlockchainInfo()).rejects.toBeInstanceOf(RpcUnreachableError)
  silent.close()
  silent.unref()
})
