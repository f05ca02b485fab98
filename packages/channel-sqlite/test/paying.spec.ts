import { afterEach, describe, expect, it } from 'vitest'
import { InsufficientFundsError } from '@stack/ledger-core'
import { DepositExhaustedError, InvalidChannelOptionError, NoOutgoingChannelError, SqliteChannel, MemoryClaimStore, type SqliteOutgoingState } from '../src/index.js'
import { Pair } from './fixtures/harness.js'

describe('paying over a channel', () => {
  let pair: Pair | undefined
  afterEach(async () => {
    await pair?.dispose()
    pair = undefined
  })

  async function outgoing(p: Pair) {
    const channelId = p.alice.summary().outgoing?.channelId
    if (channelId === undefined) throw new Error('no channel')
    return p.ledger.getChannel(channelId)
  }

  it('opens a channel on the first payment and signs growing cumulative claims', async () => {
    pair = await Pair.create()
    await pair.alice.sendValue(100n)
    await pair.alice.sendValue(250n)
    const channel = await outgoing(pair)
    expect(channel).toMatchObject({ sender: 'alice', receiver: 'bob', deposit: 10_000n, claimed: 0n, status: 'open', settleDelayMs: 60_000 })
    expect(await pair.ledger.getBalance('alice')).toBe(990_000n)
    expect(pair.credited.map((value) => value.amount)).toEqual([100n, 250n])
    expect(pair.alice.summary().outgoing?.sent).toBe(350n)
    expect(pair.bob.summary().incoming.map((claim) => claim.best)).toEqual([350n])
  })

  it('opens with more than the configured deposit when the first payment needs it', async () => {
    pair = await Pair.create()
    await pair.alice.sendValue(25_000n)
    expect((await outgoing(pair)).deposit).toBe(25_000n)
  })

  it('tops up when the deposit left would fall below topUpBelow', async () => {
    pair = await Pair.create({ alice: { funding: { deposit: 1_000n, topUpBelow: 300n, topUpAmount: 500n, settleDelayMs: 60_000 } } })
    await pair.alice.sendValue(600n) // 400 left
    expect((await outgoing(pair)).deposit).toBe(1_000n)
    await pair.alice.sendValue(200n) // would leave 200 < 300: +500
    expect((await outgoing(pair)).deposit).toBe(1_500n)
    await pair.alice.sendValue(2_000n) // needs 2 800: tops up by what it needs
    const channel = await outgoing(pair)
    expect(channel.deposit).toBe(2_800n)
    expect(pair.creditedTotal).toBe(2_800n)
  })

  it('without funding, pays only over a channel it was given', async () => {
    pair = await Pair.create({ alice: { funding: undefined } })
    await expect(pair.alice.sendValue(10n)).rejects.toBeInstanceOf(NoOutgoingChannelError)
    await pair.alice.openChannel(500n, 60_000)
    await pair.alice.sendValue(500n)
    await expect(pair.alice.sendValue(1n)).rejects.toBeInstanceOf(DepositExhaustedError)
    expect(pair.creditedTotal).toBe(500n)
  })

  it('rejects with the ledger’s typed error when the payer cannot fund the channel', async () => {
    pair = await Pair.create({ mint: 50n })
    await expect(pair.alice.sendValue(10n)).rejects.toBeInstanceOf(InsufficientFundsError)
    expect(pair.credited).toEqual([])
  })

  it('opens a new channel once ours is closing', async () => {
    pair = await Pair.create()
    await pair.alice.sendValue(100n)
    const first = await outgoing(pair)
    await pair.alice.requestClose()
    await pair.alice.sendValue(40n)
    const second = await outgoing(pair)
    expect(second.id).not.toBe(first.id)
    expect(pair.credited.map((value) => value.amount)).toEqual([100n, 40n])
  })

  it('sends nothing for zero', async () => {
    pair = await Pair.create()
    await pair.alice.sendValue(0n)
    expect(pair.carriers[0].sent).toEqual([])
  })

  it('converges after a lost acknowledgement: the next claim covers it, nothing counted twice', async () => {
    pair = await Pair.create()
    await pair.alice.sendValue(100n)
    pair.carriers[0].loseAcks = true
    await expect(pair.alice.sendValue(30n)).rejects.toThrow() // bob holds 130, alice believes 100
    pair.carriers[0].loseAcks = false
    // Alice's books still owe those 30: she pays them again with 20 more; bob credits only the 20 he lacks.
    await pair.alice.sendValue(50n)
    expect(pair.alice.summary().outgoing?.sent).toBe(150n)
    expect(pair.creditedTotal).toBe(150n)
  })

  it('serializes concurrent payments into strictly growing claims', async () => {
    pair = await Pair.create()
    await Promise.all(Array.from({ length: 20 }, (_, i) => pair?.alice.sendValue(BigInt(i + 1))))
    expect(pair.creditedTotal).toBe(210n)
    expect(pair.alice.summary().outgoing?.sent).toBe(210n)
  })

  it('redeems when the unredeemed amount reaches the threshold', async () => {
    pair = await Pair.create({ bob: { redeemThreshold: 1_000n } })
    await pair.alice.sendValue(600n)
    expect(await pair.ledger.getBalance('bob')).toBe(0n)
    await pair.alice.sendValue(600n)
    expect(await pair.ledger.getBalance('bob')).toBe(1_200n)
    await pair.alice.sendValue(999n)
    expect(await pair.ledger.getBalance('bob')).toBe(1_200n)
    await pair.bob.stop()
    expect(await pair.ledger.getBalance('bob')).toBe(2_199n) // and at close
  })

  it('refuses options out of range', () => {
    const store = new MemoryClaimStore<Uint8Array, SqliteOutgoingState>()
    const base = { account: 'a', peerAccount: 'b', carrier: { sendValue: async () => {}, setValueHandler() {} }, store }
    expect(() => new SqliteChannel({ ...base, ledger: { capabilities: new Set() } as never })).toThrow(InvalidChannelOptionError)
  })
})
