import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { BlockFollower, type ChainSource } from '../src/chain.js'

/** A chain in memory: blocks are 80-byte headers whose first byte numbers the fork, hashes made of height and fork. */
function chainOf(forks: number[]): ChainSource & { set(forks: number[]): void } {
  let blocks = forks
  const hash = (height: number, fork: number) => `${fork.toString(16).padStart(2, '0')}${height.toString(16).padStart(62, '0')}`
  return {
    set(next) {
      blocks = next
    },
    getBlockchainInfo: async () => ({ blocks: blocks.length - 1, bestblockhash: hash(blocks.length - 1, blocks.at(-1)!) }),
    getBlockHash: async (height) => {
      if (height >= blocks.length) throw new Error('no such block')
      return hash(height, blocks[height]!)
    },
    getBlockHex: async (h) => `${h.slice(0, 2)}${'00'.repeat(79)}`,
    estimateSmartFee: async () => undefined,
    getRawTransaction: async () => ({ confirmations: 0 }),
    sendRawTransaction: async () => ''
  }
}

describe('BlockFollower', () => {
  it('leaves the listener on the node’s tip, every block connected on the one before, across any reorganisation', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 2, maxLength: 30 }), fc.nat(20), fc.integer({ min: 1, max: 3 }), async (first, keep, fork) => {
        const chain = chainOf([0, ...first])
        const seen: number[] = [] // fork number of the listener's block at each height
        const follower = new BlockFollower(chain, {
          blockConnected(block, height) {
            expect(height).toBe(seen.length)
            seen.push(block[0]!)
          },
          blockDisconnected(header, height) {
            expect(height).toBe(seen.length - 1)
            expect(header[0]).toBe(seen.at(-1))
            seen.pop()
          }
        }, { height: 0, hash: await chain.getBlockHash(0) })
        seen.push(0)
        await follower.sync()
        const common = Math.min(keep + 1, first.length + 1)
        const second = [0, ...first].slice(0, common).concat(Array.from({ length: 1 + (keep % 5) }, () => fork + 3))
        chain.set(second)
        await follower.sync()
        expect(seen).toEqual(second)
        expect(follower.position.height).toBe(second.length - 1)
      })
    )
  })
})
