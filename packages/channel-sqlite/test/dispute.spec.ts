import { afterEach, describe, expect, it } from 'vitest'
import { signClaim } from '@stack/ledger-sqlite'
import { encodeClaimProof } from '../src/index.js'
import { Pair } from './fixtures/harness.js'

// The payer vanishes or asks to close: the payee redeems its best claim before the settle delay
// ends. Time is the injected clock; `tick()` is one pass of the watcher.
describe('disputes', () => {
  let pair: Pair | undefined
  afterEach(async () => {
    await pair?.dispose()
    pair = undefined
  })

  it('redeems and closes when the payer asks to close, before the settle delay ends', async () => {
    pair = await Pair.create({ bob: { watch: { intervalMs: 3_600_000 } } })
    await pair.alice.sendValue(700n)
    await pair.alice.sendValue(300n)
    const channelId = pair.alice.summary().outgoing?.channelId ?? ''
    // Alice asks to close and vanishes, hoping Bob misses the window.
    await pair.alice.requestClose()
    pair.clock.t += 59_000 // one second left of the 60 s settle delay
    expect(await pair.ledger.getBalance('bob')).toBe(0n)
    await pair.bob.tick()
    expect(await pair.ledger.getBalance('bob')).toBe(1_000n)
    expect(await pair.ledger.getChannel(channelId)).toMatchObject({ status: 'closed', claimed: 1_000n })
    expect(await pair.ledger.getBalance('alice')).toBe(1_000_000n - 1_000n) // the remainder came back
    expect(pair.bob.summary().incoming).toEqual([])
  })

  it('redeems a claim left idle when the payer goes quiet, and leaves the channel open', async () => {
    pair = await Pair.create({ bob: { watch: { intervalMs: 3_600_000, idleRedeemMs: 10_000 } } })
    await pair.alice.sendValue(250n)
    pair.clock.t += 9_999
    await pair.bob.tick()
    expect(await pair.ledger.getBalance('bob')).toBe(0n)
    pair.clock.t += 1
    await pair.bob.tick()
    expect(await pair.ledger.getBalance('bob')).toBe(250n)
    const channelId = pair.alice.summary().outgoing?.channelId ?? ''
    expect((await pair.ledger.getChannel(channelId)).status).toBe('open')
  })

  it('a payee that sleeps past the settle delay loses its claim (why the watch interval must be shorter)', async () => {
    pair = await Pair.create()
    await pair.alice.sendValue(500n)
    await pair.alice.requestClose()
    pair.clock.t += 60_000
    await pair.alice.tick() // alice closes: the whole deposit comes back
    await pair.bob.tick()
    expect(await pair.ledger.getBalance('bob')).toBe(0n)
    expect(await pair.ledger.getBalance('alice')).toBe(1_000_000n)
    expect(pair.warnings.some((line) => line.includes('closed with 500 unredeemed'))).toBe(true)
  })

  it('closes the payer’s own channel once the delay is over, returning the remainder', async () => {
    pair = await Pair.create()
    await pair.alice.sendValue(100n)
    await pair.bob.redeem()
    const channelId = pair.alice.summary().outgoing?.channelId ?? ''
    await pair.alice.requestClose()
    await pair.alice.tick()
    expect((await pair.ledger.getChannel(channelId)).status).toBe('closing')
    pair.clock.t += 60_000
    await pair.alice.tick()
    expect((await pair.ledger.getChannel(channelId)).status).toBe('closed')
    expect(await pair.ledger.getBalance('alice')).toBe(1_000_000n - 100n)
  })

  it('redeems at once a claim that arrives on a closing channel', async () => {
    pair = await Pair.create()
    await pair.alice.sendValue(100n)
    const channelId = pair.alice.summary().outgoing?.channelId ?? ''
    await pair.ledger.requestChannelClose({ channelId, by: 'sender' })
    const key = pair.aliceStore.getOutgoing()?.keys.privateKey ?? new Uint8Array(32)
    await pair.carriers[0].sendValue(50n, { proof: encodeClaimProof({ channelId, amount: 150n, signature: signClaim(key, channelId, 150n) }) })
    expect(await pair.ledger.getBalance('bob')).toBe(150n)
    expect((await pair.ledger.getChannel(channelId)).status).toBe('closed')
  })

  it('runs the watcher on its interval', async () => {
    pair = await Pair.create({ bob: { watch: { intervalMs: 20 } } })
    await pair.bob.start()
    await pair.alice.sendValue(80n)
    await pair.alice.requestClose()
    await expect.poll(() => pair?.ledger.getBalance('bob'), { timeout: 2_000, interval: 10 }).toBe(80n)
  })
})
