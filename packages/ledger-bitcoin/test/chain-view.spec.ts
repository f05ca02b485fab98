import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Block, Transaction } from 'bitcoinjs-lib'
import { ChainView, type ChainSource } from '../src/chain-view.js'

// The view against a node simulated in memory, step by step: payments from outside, spends of
// watched coins (chains of unconfirmed ones too), blocks, reorganisations, syncs at random
// points. After every sync it must hold what a fresh reading of the final chain gives.
const script = (byte: number): Uint8Array => Uint8Array.from([0x00, 0x14, ...new Array<number>(20).fill(byte)])
const owners = ['alice', 'bob'] as const
const scripts = { alice: script(1), bob: script(2), stranger: script(3) }
const BIRTH = 2

class SimulatedNode implements ChainSource {
  blocks: { hash: string; hex: string; txs: Transaction[] }[] = []
  mempool: Transaction[] = []
  #nonce = 0

  constructor() {
    for (let i = 0; i < BIRTH; i++) this.mine()
  }

  mine(): void {
    const block = new Block()
    block.version = 1
    const previous = this.blocks.at(-1)
    block.prevHash = previous === undefined ? new Uint8Array(32) : Uint8Array.from(Buffer.from(previous.hash, 'hex')).reverse()
    block.timestamp = 1_700_000_000
    block.bits = 0x207fffff
    block.nonce = this.#nonce++
    const txs = [coinbase(this.#nonce), ...this.mempool]
    block.transactions = txs
    block.merkleRoot = Block.calculateMerkleRoot(txs)
    this.blocks.push({ hash: block.getId(), hex: block.toHex(), txs })
    this.mempool = []
  }

  /** Undoes the last `depth` blocks (not below the birth); their transactions go back to the mempool. */
  reorg(depth: number): void {
    const undone = this.blocks.splice(Math.max(BIRTH, this.blocks.length - depth))
    this.mempool = [...undone.flatMap((block) => block.txs.slice(1)), ...this.mempool]
  }

  async getBlockchainInfo() {
    return { chain: 'simulated', blocks: this.blocks.length - 1, bestblockhash: this.blocks.at(-1)?.hash ?? '' }
  }
  async getBlockHash(height: number) {
    return this.blocks[height]?.hash ?? ''
  }
  async getBlockHex(hash: string) {
    return this.blocks.find((block) => block.hash === hash)?.hex ?? ''
  }
  // Children before parents: the view must not depend on the mempool's order.
  async getRawMempool() {
    return this.mempool.map((tx) => tx.getId()).reverse()
  }
  async getRawTransactionHex(txid: string) {
    const tx = this.mempool.find((candidate) => candidate.getId() === txid)
    if (tx === undefined) throw new Error('not in the mempool')
    return tx.toHex()
  }
}

function coinbase(nonce: number): Transaction {
  const tx = new Transaction()
  tx.addInput(new Uint8Array(32), 0xffffffff, 0xffffffff, Uint8Array.from([nonce & 0xff, nonce >> 8, 1]))
  tx.addOutput(scripts.stranger, 50n)
  return tx
}

/** The watched coins from a fresh reading: every block from the birth, then the mempool. */
function expected(node: SimulatedNode, owner: string): string[] {
  const coins = new Map<string, { owner: string; value: bigint; height: number | undefined }>()
  const apply = (tx: Transaction, height: number | undefined) => {
    for (const input of tx.ins) coins.delete(`${Buffer.from(input.hash).reverse().toString('hex')}:${input.index}`)
    tx.outs.forEach((output, vout) => {
      const name = owners.find((o) => Buffer.from(scripts[o]).equals(output.script))
      if (name !== undefined) coins.set(`${tx.getId()}:${vout}`, { owner: name, value: output.value, height })
    })
  }
  node.blocks.slice(BIRTH).forEach((block, i) => block.txs.forEach((tx) => apply(tx, BIRTH + i)))
  for (const tx of node.mempool) apply(tx, undefined)
  const tip = node.blocks.length - 1
  return [...coins]
    .filter(([, coin]) => coin.owner === owner)
    .map(([outpoint, coin]) => `${outpoint} ${coin.value} ${coin.height === undefined ? 0 : tip - coin.height + 1}`)
    .sort()
}

const step = fc.oneof(
  fc.record({ op: fc.constant('pay' as const), to: fc.constantFrom(...owners), value: fc.bigInt({ min: 1n, max: 1_000n }) }),
  fc.record({ op: fc.constant('spend' as const), pick: fc.nat(), to: fc.constantFrom('alice', 'bob', 'stranger') }),
  fc.record({ op: fc.constant('mine' as const) }),
  fc.record({ op: fc.constant('reorg' as const), depth: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ op: fc.constant('sync' as const) })
)

describe('ChainView', () => {
  it('holds, after every sync, the coins a fresh reading of the chain and mempool gives', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        const node = new SimulatedNode()
        const view = new ChainView(node, BIRTH)
        for (const owner of owners) view.watch(scripts[owner], owner)
        let outside = 0
        for (const s of steps) {
          if (s.op === 'pay') {
            const tx = new Transaction()
            tx.addInput(Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? ++outside & 0xff : i === 1 ? outside >> 8 : 7)), 0)
            tx.addOutput(scripts[s.to], s.value)
            node.mempool.push(tx)
          } else if (s.op === 'spend') {
            // Any watched coin, confirmed or not: the view's own answer is the model's here.
            const candidates = owners.flatMap((owner) => expected(node, owner))
            const coin = candidates[s.pick % Math.max(1, candidates.length)]
            if (coin === undefined) continue
            const [outpoint = '', value = '0'] = coin.split(' ')
            const [txid = '', vout = '0'] = outpoint.split(':')
            const tx = new Transaction()
            tx.addInput(Uint8Array.from(Buffer.from(txid, 'hex')).reverse(), Number(vout))
            tx.addOutput(scripts[s.to], BigInt(value))
            node.mempool.push(tx)
          } else if (s.op === 'mine') {
            node.mine()
          } else if (s.op === 'reorg') {
            node.reorg(s.depth)
            node.mine()
          } else {
            await view.sync()
            for (const owner of owners) {
              const held = view.coins(owner).map((c) => `${c.txid}:${c.vout} ${c.value} ${c.confirmations}`).sort()
              expect(held).toEqual(expected(node, owner))
            }
          }
        }
      }),
      { numRuns: 300 }
    )
  })
})
