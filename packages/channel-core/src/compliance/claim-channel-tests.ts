import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Channel, ChannelTotals, IncomingValue } from '../channel.js'
import { ChannelShutDownError, ClaimExceedsDepositError, ClaimNotIncreasingError, ClaimRefusedError, ClaimSignatureError, MalformedClaimError, NoValueHandlerError } from '../claim-errors.js'
import type { ClaimChannelSummary } from '../claims/claim-channel.js'
import type { MemoryCarrier } from './memory-carrier.js'

/** One end of a claim channel as the suite drives it (a channel-core `ClaimChannel`). */
export interface ClaimChannelEndpoint extends Channel {
  totals(): ChannelTotals
  summary(): ClaimChannelSummary
  start(): Promise<void>
  stop(): Promise<void>
}

export interface ClaimChannelHarness {
  /** Pays: on one channel of `deposit` (opened by its first payment, or before), with no redeem threshold. */
  readonly payer: ClaimChannelEndpoint
  /** What the payer's channel holds: at least 10 000, and no top-up beyond it. */
  readonly deposit: bigint
  /** Is paid: takes claims on the payer's channel, with no redeem threshold. */
  readonly payee: ClaimChannelEndpoint
  /** The payer's carrier and the payee's, joined (channel-core `createCarrierPair`). */
  readonly carriers: readonly [MemoryCarrier, MemoryCarrier]
  /** A proof of cumulative `amount` on the payer's channel, signed with its key (`forged`: with another key). Call after a payment. */
  sign(amount: bigint, options?: { readonly forged?: boolean }): Promise<Uint8Array>
  /** `side` stops as a crash stops it (nothing redeemed) and starts again on its store reopened: `payer`/`payee` are new endpoints. */
  restart(side: 'payer' | 'payee'): Promise<void>
  /** What the ledger paid out of the payer's channel so far; undefined for a scheme whose operator redeems (no ledger here). */
  redeemed(): Promise<bigint | undefined>
}

export interface ClaimChannelTestOptions {
  setup(): Promise<ClaimChannelHarness>
  teardown(harness: ClaimChannelHarness): Promise<void>
}

/**
 * The contract of a cumulative-claim channel (channel-core `ClaimChannel` over a scheme), run by
 * every scheme against itself on top of `channelTests`: refused claims, replays, lower claims, a
 * lost acceptance, a restart on the reopened store, and stop. Every case checks both sides' books:
 * the payer's total sent, the payee's total received and what its value handler was credited.
 */
export function claimChannelTests(options: ClaimChannelTestOptions): void {
  describe('Claim channel compliance', () => {
    let h: ClaimChannelHarness
    let credited: bigint[]

    const credit = (value: IncomingValue): void => {
      credited.push(value.amount)
    }
    const sum = (values: readonly bigint[]): bigint => values.reduce((total, value) => total + value, 0n)
    /** Both sides' books: what the payer counts as accepted, what the payee counts and was credited. */
    function expectBooks(sent: bigint, received: bigint): void {
      expect(h.payer.totals().sent).toBe(sent)
      expect(h.payee.totals().received).toBe(received)
      expect(sum(credited)).toBe(received)
    }
    /** Delivers `proof` to the payee as the payer's carrier would (or a peer replaying it). */
    const deliver = (proof: Uint8Array, amount = 1n): Promise<void> => h.carriers[0].sendValue(amount, { proof })
    async function refused(proof: Uint8Array, type: abstract new (...args: never[]) => Error): Promise<Error> {
      const before = h.payee.summary()
      const error = await deliver(proof).then(() => undefined, (reason: unknown) => reason)
      expect(error).toBeInstanceOf(type)
      expect(h.payee.summary()).toEqual(before)
      return error as Error
    }

    beforeEach(async () => {
      h = await options.setup()
      credited = []
      h.payee.setValueHandler(credit)
    })
    afterEach(async () => {
      await options.teardown(h)
    })

    it('credits each payment exactly, as the growth of the cumulative claim', async () => {
      for (const amount of [1n, 250n, 4_000n]) await h.payer.sendValue(amount)
      expect(credited).toEqual([1n, 250n, 4_000n])
      expectBooks(4_251n, 4_251n)
      expect(h.payer.summary().outgoing?.sent).toBe(4_251n)
      expect(h.payee.summary().incoming.map((claim) => claim.best)).toEqual([4_251n])
    })

    it('refuses a forged claim, bytes that are no claim, and a claim above the deposit, crediting nothing', async () => {
      await h.payer.sendValue(100n)
      const forged = await refused(await h.sign(500n, { forged: true }), ClaimSignatureError)
      expect(forged).toBeInstanceOf(ClaimRefusedError)
      await refused(new Uint8Array(0), MalformedClaimError)
      await refused(new Uint8Array([1, 2, 3]), MalformedClaimError)
      await refused(await h.sign(h.deposit + 1n), ClaimExceedsDepositError)
      expect(credited).toEqual([100n])
      expectBooks(100n, 100n)
    })

    it('refuses value when no handler is set, and puts the claim back when the handler refuses', async () => {
      await h.payer.sendValue(100n)
      h.payee.setValueHandler(undefined)
      await expect(h.payer.sendValue(10n)).rejects.toBeInstanceOf(NoValueHandlerError)
      h.payee.setValueHandler(() => {
        throw new Error('over the limit')
      })
      await expect(h.payer.sendValue(20n)).rejects.toThrow('over the limit')
      expect(h.payee.summary().incoming.map((claim) => claim.best)).toEqual([100n])
      expectBooks(100n, 100n)
      h.payee.setValueHandler(credit)
      await h.payer.sendValue(30n)
      expect(credited).toEqual([100n, 30n])
      expectBooks(130n, 130n)
    })

    it('refuses a replayed older claim; the claim it holds, delivered again, is acknowledged and credits nothing', async () => {
      await h.payer.sendValue(100n)
      await h.payer.sendValue(50n)
      const [older, best] = h.carriers[0].sent
      const error = await refused(older ?? new Uint8Array(0), ClaimNotIncreasingError)
      expect((error as ClaimNotIncreasingError).best).toBe(150n)
      await deliver(best ?? new Uint8Array(0), 50n)
      expect(credited).toEqual([100n, 50n])
      expectBooks(150n, 150n)
    })

    it('refuses a lower claim correctly signed', async () => {
      await h.payer.sendValue(500n)
      const error = await refused(await h.sign(300n), ClaimNotIncreasingError)
      expect((error as ClaimNotIncreasingError).amount).toBe(300n)
      expectBooks(500n, 500n)
    })

    it('never credits twice after a lost acceptance: the payer pays again, the payee credits only what it lacks', async () => {
      await h.payer.sendValue(100n)
      h.carriers[0].loseAcks = true
      await expect(h.payer.sendValue(30n)).rejects.toThrow()
      h.carriers[0].loseAcks = false
      // The payee holds 130 and credited it; the payer's books still owe the 30.
      expectBooks(100n, 130n)
      await h.payer.sendValue(30n) // the same cumulative claim: acknowledged, nothing credited again
      expectBooks(130n, 130n)
      h.carriers[0].loseAcks = true
      await expect(h.payer.sendValue(40n)).rejects.toThrow()
      h.carriers[0].loseAcks = false
      await h.payer.sendValue(60n) // signs 190 over the 130 acknowledged: the payee credits the 20 it lacks
      expect(credited).toEqual([100n, 30n, 40n, 20n])
      expectBooks(190n, 190n)
    })

    it('keeps claims and totals across a restart of either side on its reopened store', async () => {
      await h.payer.sendValue(300n)
      await h.payer.sendValue(200n)
      const [older, best] = h.carriers[0].sent
      await h.restart('payee')
      h.payee.setValueHandler(credit)
      expect(h.payee.summary().incoming.map((claim) => claim.best)).toEqual([500n])
      expect(h.payee.totals().received).toBe(500n)
      await refused(older ?? new Uint8Array(0), ClaimNotIncreasingError)
      await deliver(best ?? new Uint8Array(0))
      await h.restart('payer')
      expect(h.payer.summary().outgoing?.sent).toBe(500n)
      await h.payer.sendValue(50n)
      expect(credited).toEqual([300n, 200n, 50n])
      expectBooks(550n, 550n)
    })

    it('stops: sends and takes nothing more, redeems what it holds where its ledger allows, and stops twice harmlessly', async () => {
      await h.payer.sendValue(700n)
      await h.payee.stop()
      await h.payee.stop()
      const redeemed = await h.redeemed()
      if (redeemed !== undefined) expect(redeemed).toBe(700n)
      else expect(h.payee.summary().incoming.map((claim) => claim.best)).toEqual([700n]) // kept for the operator
      await expect(h.payer.sendValue(1n)).rejects.toThrow()
      await expect(h.payee.sendValue(1n)).rejects.toBeInstanceOf(ChannelShutDownError)
      expectBooks(700n, 700n)
      await h.payer.stop()
      await expect(h.payer.sendValue(1n)).rejects.toBeInstanceOf(ChannelShutDownError)
      await expect(h.payer.start()).rejects.toBeInstanceOf(ChannelShutDownError)
      expectBooks(700n, 700n)
    })
  })
}
