import { createServer, type Server } from 'node:http'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BitcoinRpc, NodeAnswerError, RpcCallError, satsToBtc } from '../src/index.js'

// The answers of the node implementations, as their JSON-RPC writes them (text: amounts are JSON
// numbers), served over a real socket by a stand-in that answers what the test sets.
let server: Server
let answer = ''
let rpc: BitcoinRpc
beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume()
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end(answer))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  rpc = new BitcoinRpc({ url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/`, user: 'u', password: 'p' })
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const result = (json: string): string => `{"result":${json},"error":null,"id":1}`

describe('BitcoinRpc reads', () => {
  it("estimatesmartfee as Bitcoin Core and bcoin answer it, rounded up to whole sat/vB", async () => {
    answer = result('{"feerate":0.00012345,"blocks":6}') // Core: BTC/kvB
    expect(await rpc.estimateSmartFee(6)).toBe(13n)
    answer = result('{"errors":["Insufficient data or no feerate found"],"blocks":0}') // Core, fresh regtest
    expect(await rpc.estimateSmartFee(6)).toBeUndefined()
    answer = result('{"fee":-1,"blocks":6}') // bcoin without an estimate
    expect(await rpc.estimateSmartFee(6)).toBeUndefined()
    answer = result('{"fee":0.00002,"blocks":6}') // bcoin with one
    expect(await rpc.estimateSmartFee(6)).toBe(2n)
  })

  it('a mempool entry fee from any JSON number the node writes, to the satoshi', async () => {
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.boolean(), async (fee, core) => {
        const btc = satsToBtc(fee)
        answer = result(core ? `{"vsize":141,"time":1,"fees":{"base":${btc}}}` : `{"size":141,"time":1,"fee":${btc}}`)
        expect(await rpc.getMempoolEntry('00'.repeat(32))).toEqual({ fee, vsize: 141, time: 1 })
      }),
      { numRuns: 200 }
    )
  })

  it('refuses a fee finer than a satoshi, and names an RPC error or an answer that is no JSON', async () => {
    answer = result('{"vsize":141,"time":1,"fee":0.000000001}')
    await expect(rpc.getMempoolEntry('00'.repeat(32))).rejects.toBeInstanceOf(NodeAnswerError)
    answer = '{"result":null,"error":{"code":-8,"message":"Block height out of range"},"id":1}'
    await expect(rpc.getBlockHash(5)).rejects.toMatchObject({ name: 'RpcCallError', code: -8, rpcMessage: 'Block height out of range' })
    answer = '<html>busy</html>'
    await expect(rpc.getBlockchainInfo()).rejects.toBeInstanceOf(RpcCallError)
  })
})
