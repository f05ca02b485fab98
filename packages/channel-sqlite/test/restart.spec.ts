import { afterEach, describe, expect, it } from 'vitest'
import { ClaimNotIncreasingError, SqliteChannel, SqliteClaimStore } from '../src/index.js'
import { BOB, Pair } from './fixtures/harness.js'

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
    const [older, best] = pair.carriers[0].sent
    // Bob stops without redeeming (as a crash would): reopen the store under a fresh endpoint.
    pair.bob.setValueHandler(undefined)
    pair.carriers[1].setValueHandler(undefined)
    pair.bobStore.close()
    pair.bobStore = SqliteClaimStore.open(`${pair.dir}/bob.claims`, BOB)
    pair.bob = pair.makeBob()
    expect(pair.bob.summary().incoming.map((claim) => claim.best)).toEqual([500n])
    await expect(pair.carriers[0].sendValue(1n, { proof: older ?? new Uint8Array(0) })).rejects.toBeInstanceOf(ClaimNotIncreasingError)
    await pair.carriers[0].sendValue(1n, { proof: best ?? new Uint8Array(0) }) // acknowledged, credits nothing
    expect(pair.bob.totals()).toEqual({ sent: 0n, received: 500n })
    await pair.alice.sendValue(50n)
    expect(pair.credited.map((value) => value.amount)).toEqual([300n, 200n, 50n])
    expect(await pair.bob.redeem()).toBe(550n)
    expect(await pair.ledger.getBalance('bob')).toBe(550n)
  })

  it('the payee redeems at close and the restarted one carries on from there', async () => {
    pair = await Pair.create()
    await pair.alice.sendValue(400n)
    await pair.restartBob() // stop() redeems
    expect(await pair.ledger.getBalance('bob')).toBe(400n)
    await pair.alice.sendValue(100n)
    expect(pair.credited.map((value) => value.amount)).toEqual([400n, 100n])
  })

  it('keeps the totals with the claims across a restart: a refused claim adds nothing, a lost acceptance adds on the payee side only', async () => {
    pair = await Pair.create()
    const p = pair
    await p.alice.sendValue(300n)
    p.bob.setValueHandler(() => {
      throw new Error('no')
    })
    await expect(p.alice.sendValue(50n)).rejects.toThrow('no')
    p.bob.setValueHandler((value) => void p.credited.push(value))
    p.carriers[0].loseAcks = true
    await expect(p.alice.sendValue(100n)).rejects.toThrow()
    p.carriers[0].loseAcks = false
    expect([p.alice.totals(), p.bob.totals()]).toEqual([{ sent: 300n, received: 0n }, { sent: 0n, received: 400n }])
    await p.restartBob() // redeems 400 on its way down
    expect(p.bob.totals()).toEqual({ sent: 0n, received: 400n })
    await p.alice.sendValue(150n) // signs 450: bob credits the 50 beyond what it holds
    expect([p.alice.totals(), p.bob.totals()]).toEqual([{ sent: 450n, received: 0n }, { sent: 0n, received: 450n }])
    expect(p.creditedTotal).toBe(450n)
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
