import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RegtestError, startRegtest, type Regtest } from '../src/index.js'

async function rpc(node: Regtest, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(node.rpcUrl, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${node.rpcUser}:${node.rpcPassword}`).toString('base64')}` },
    body: JSON.stringify({ method, params, id: 1 })
  })
  const body = (await response.json()) as { result: unknown; error: { message: string } | null }
  if (body.error) throw new Error(body.error.message)
  return body.result
}

describe('startRegtest', () => {
  let node: Regtest
  beforeAll(async () => {
    node = await startRegtest()
  })
  afterAll(async () => {
    await node.stop()
  })

  it('serves a regtest chain past segwit and CLTV activation over JSON-RPC', async () => {
    const info = (await rpc(node, 'getblockchaininfo')) as { chain: string; blocks: number; bip9_softforks: { segwit: { status: string } } }
    expect(info.chain).toBe('regtest')
    expect(info.blocks).toBe(node.startHeight)
    expect(node.startHeight).toBeGreaterThanOrEqual(1351)
    expect(info.bip9_softforks.segwit.status).toBe('active')
    // Bitcoin's regtest genesis: the chain hash a Lightning node checks.
    expect(await rpc(node, 'getblockhash', [0])).toBe('0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206')
  })

  it('refuses a wrong RPC password', async () => {
    const response = await fetch(node.rpcUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('regtest:wrong').toString('base64')}` },
      body: JSON.stringify({ method: 'getblockcount', params: [] })
    })
    expect(response.status).toBe(401)
  })

  it('funds an address from the faucet and confirms it in a mined block', async () => {
    const address = 'rb1qd7ph8ze27h0j23xgv9xfl97qtzvfl2ds37fggz'
    const txid = await node.fund(address, 123_456)
    expect(await rpc(node, 'getrawmempool')).toContain(txid)
    const [hash] = await node.mine(1)
    const block = (await rpc(node, 'getblock', [hash])) as { tx: string[]; height: number }
    expect(block.tx).toContain(txid)
    expect(block.height).toBe(node.startHeight + 1)
    const tx = (await rpc(node, 'getrawtransaction', [txid, 1])) as { vout: Array<{ value: number; scriptPubKey: { addresses?: string[]; address?: string } }> }
    const paid = tx.vout.find((out) => (out.scriptPubKey.address ?? out.scriptPubKey.addresses?.[0]) === address)
    expect(paid?.value).toBe(0.00123456)
  })

  it('gives a typed error for a faucet payment it cannot make, and keeps running', async () => {
    await expect(node.fund('not-an-address', 1)).rejects.toBeInstanceOf(RegtestError)
    expect(await rpc(node, 'getblockcount')).toBe(node.startHeight + 1)
  })

  it('stops the node process', async () => {
    const other = await startRegtest({ initialBlocks: 1 })
    await other.stop()
    await expect(rpc(other, 'getblockcount')).rejects.toThrow()
    await expect(other.mine(1)).rejects.toBeInstanceOf(RegtestError)
  })
})
