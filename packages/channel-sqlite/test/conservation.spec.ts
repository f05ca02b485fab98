import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CHANNELS_ACCOUNT } from '@stack/ledger-sqlite'
import { Pair } from './fixtures/harness.js'

type Step =
  | { readonly kind: 'pay'; readonly amount: bigint }
  | { readonly kind: 'refuse'; readonly amount: bigint }
  | { readonly kind: 'lose-ack'; readonly amount: bigint }
  | { readonly kind: 'redeem' }
  | { readonly kind: 'restart-bob' }
  | { readonly kind: 'close'; readonly elapse: boolean; readonly bobWatches: boolean }

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.bigInt({ min: 1n, max: 4_000n }).map((amount) => ({ kind: 'pay' as const, amount })) },
  { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: 4_000n }).map((amount) => ({ kind: 'refuse' as const, amount })) },
  { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: 4_000n }).map((amount) => ({ kind: 'lose-ack' as const, amount })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'redeem' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart-bob' as const }) },
  { weight: 1, arbitrary: fc.record({ elapse: fc.boolean(), bobWatches: fc.boolean() }).map(({ elapse, bobWatches }) => ({ kind: 'close' as const, elapse, bobWatches })) }
)

const MINTED = 1_000_000n

describe('conservation', () => {
  it('keeps alice + channels + bob constant, and bob credited = redeemed + unredeemed best', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        const pair = await Pair.create({ mint: MINTED, alice: { funding: { deposit: 5_000n, topUpBelow: 1_000n, settleDelayMs: 60_000 } } })
        try {
          // What alice's books say she paid: the amounts whose sendValue resolved, plus a lost
          // acknowledgement's amount once a later payment covered it (she pays it again).
          let owedAgain = 0n
          let paid = 0n
          for (const s of steps) {
            if (s.kind === 'pay' || s.kind === 'refuse' || s.kind === 'lose-ack') {
              if (s.kind === 'refuse') pair.bob.setValueHandler(() => Promise.reject(new Error('no')))
              pair.carriers[0].loseAcks = s.kind === 'lose-ack'
              const amount = s.amount + owedAgain
              const ok = await pair.alice.sendValue(amount).then(() => true, () => false)
              pair.carriers[0].loseAcks = false
              if (s.kind === 'refuse') pair.bob.setValueHandler((value) => void pair.credited.push(value))
              if (ok) {
                paid += amount
                owedAgain = 0n
              } else {
                owedAgain = amount
              }
            } else if (s.kind === 'redeem') {
              await pair.bob.redeem()
            } else if (s.kind === 'restart-bob') {
              await pair.restartBob()
            } else {
              await pair.alice.requestClose()
              // Bob redeems and closes before the delay ends — now, or at a later step's tick.
              // (Time passes only when he watches: a payee asleep past the delay loses its claim.)
              if (s.bobWatches) {
                if (s.elapse) pair.clock.t += 30_000 // within the settle delay
                await pair.bob.tick()
              }
              await pair.alice.tick()
            }
            const alice = await pair.ledger.getBalance('alice')
            const bob = await pair.ledger.getBalance('bob')
            const channels = (await pair.ledger.listAllAccounts()).find((account) => account.id === CHANNELS_ACCOUNT)?.balance ?? 0n
            expect(alice + channels + bob).toBe(MINTED)
            const unredeemed = await unredeemedBest(pair)
            expect(pair.creditedTotal).toBe(bob + unredeemed)
          }
          // Whatever was lost in flight is settled by the next payment once the channels it was
          // on are closed: both books agree then.
          await pair.bob.tick()
          // A claim can fall short of what bob holds (acceptances lost, on a channel since closed
          // as well as on the new one): it is refused until a settlement is larger than the carry
          // and bob's best claim together. The connector's books grow as packets flow; here each
          // retry doubles (the example below needed 8 after 5, 6 and 7 were refused).
          for (let attempt = 0; attempt < 16 && owedAgain >= 0n; attempt++) {
            const amount = attempt === 0 ? 1n + owedAgain : 2n * owedAgain
            if (await pair.alice.sendValue(amount).then(() => true, () => false)) {
              paid += amount
              owedAgain = -1n
            } else {
              owedAgain = amount
            }
          }
          expect(owedAgain).toBe(-1n)
          // Alice paid twice what a lost acceptance on a since-closed channel carried: she holds
          // it as `carry` and her next payments use it up.
          const carry = pair.alice.summary().carry
          expect(pair.creditedTotal).toBe(paid + carry)
          await pair.bob.stop()
          expect(await pair.ledger.getBalance('bob')).toBe(paid + carry)
          expect(pair.ledger.audit().ok).toBe(true)
        } finally {
          await pair.dispose()
        }
      }),
      {
        numRuns: 40,
        // Found by CI: two acceptances lost around a close; the final settlement needs 8, not 5–7.
        examples: [[[{ kind: 'lose-ack', amount: 3n }, { kind: 'close', elapse: false, bobWatches: false }, { kind: 'lose-ack', amount: 1n }]]],
      }
    )
  })
})

async function unredeemedBest(pair: Pair): Promise<bigint> {
  let total = 0n
  for (const claim of pair.bob.summary().incoming) {
    const channel = await pair.ledger.getChannel(claim.channelId)
    if (channel.status !== 'closed' && claim.best > channel.claimed) total += claim.best - channel.claimed
  }
  return total
}
