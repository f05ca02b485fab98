import { afterEach, describe, expect, it } from 'vitest'
import { ClaimNotIncreasingError, SqliteChannel, SqliteClaimStore } from '../src/index.js'
import { Pair } from './fixtures/harness.js'

describe('restart', () => {
  let pair: Pair | undefined
  afterEach(async () => {
    await pair?.dispose()
    pair = undefined
  })

  it('the payee keeps its best claim: no replay is credited again, and it still redeems', async () => {
    pair = await Pair.create()
    await pair.alice.sendValue(300n)
    await pair.alice.sendValue(200n)
    const replay = pair.carriers[0].sent.at(-1) ?? new Uint8Array(0)
    // Bob stops without redeeming (as a crash would): reopen the store under a fresh endpoint.
    pair.bob.setValueHandler(undefined)
    pair.carriers[1].setValueHandler(undefined)
    pair.bobStore.close()
    pair.bobStore = SqliteClaimStore.open(`${pair.dir}/bob.claims`)
    pair.bob = pair.makeBob()
    expect(pair.bob.summary().incoming.map((claim) => claim.best)).toEqual([500n])
    await expect(pair.carriers[0].sendValue(1n, { proof: replay })).rejects.toBeInstanceOf(ClaimNotIncreasingError)
    await pair.alice.sendValue(50n)
    expect(pair.credited.map((value) => value.amount)).toEqual([300n, 200n, 50n])
    expect(await pair.bob.redeem()).toBe(550n)
    expect(await pair.ledger.getBalance('bob')).toBe(550n)
  })

  it('the payee redeems at close and the restarted one carries on from there', async () => {
    pair = await Pair.create()
    await pair.alice.sendValue(400n)
    await pair.restartBob() // close() redeems
    expect(await pair.ledger.getBalance('bob')).toBe(400n)
    await pair.alice.sendValue(100n)
    expect(pair.credited.map((value) => value.amount)).toEqual([400n, 100n])
  })

  it('the payer keeps its channel, key and cumulative amount', async () => {
    pair = await Pair.create()
    await pair.alice.sendValue(100n)
    const channelId = pair.alice.summary().outgoing?.channelId
    pair.carriers[0].setValueHandler(undefined)
    pair.alice = new SqliteChannel({
      ledger: pair.ledger,
      account: 'alice',
      peerAccount: 'bob',
      carrier: pair.carriers[0],
      store: pair.aliceStore,
      now: pair.clock.now,
      funding: { deposit: 10_000n, settleDelayMs: 60_000 }
    })
    await pair.alice.sendValue(25n)
    expect(pair.alice.summary().outgoing).toEqual({ channelId, sent: 125n })
    expect(pair.credited.map((value) => value.amount)).toEqual([100n, 25n])
    expect((await pair.ledger.listChannels()).length).toBe(1)
  })
})
