import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  ChannelClosedError,
  ChannelClosingError,
  ChannelNotFoundError,
  ClaimExceedsDepositError,
  ClaimNotIncreasingError,
  CloseNotRequestedError,
  IdempotencyConflictError,
  InsufficientFundsError,
  InvalidAmountError,
  InvalidArgumentError,
  InvalidClaimSignatureError,
  LedgerError,
  SettleDelayNotElapsedError,
  UnknownAccountError
} from '../errors.js'
import type { AccountId, Ledger } from '../ledger.js'
import type { PaymentChannel, PaymentChannelCapability } from '../payment-channel.js'
import type { LedgerHarness } from './ledger-tests.js'
import { uniqueId } from './unique-id.js'

/** A sender's key pair, in the ledger's key scheme. */
export interface ClaimSigner {
  readonly publicKey: Uint8Array
  /** The signature over `ledger.claimMessage(channelId, amount)`. */
  sign(channelId: string, amount: bigint): Uint8Array | Promise<Uint8Array>
}

export type PaymentChannelLedger = Ledger & PaymentChannelCapability

export interface PaymentChannelHarness<L extends PaymentChannelLedger = PaymentChannelLedger> extends LedgerHarness<L> {
  /** A fresh key pair for a channel's sender. */
  createSigner(): Promise<ClaimSigner>
  /** The ledger's clock, in ms since the epoch. */
  now(): number
  /** Moves the ledger's clock forward, so settle delays pass without waiting. */
  advanceTime(ms: number): Promise<void>
}

export interface PaymentChannelTestOptions<L extends PaymentChannelLedger = PaymentChannelLedger> {
  setup(): Promise<PaymentChannelHarness<L>>
  teardown(harness: PaymentChannelHarness<L>): Promise<void>
  /** Runs of the conservation property. Default 25. */
  readonly numRuns?: number
}

const DELAY = 60_000
const key = (): string => uniqueId('key')

/**
 * The contract of the payment-channel capability, run by every adapter that declares it:
 * locking and funding, cumulative claims, every refusal of a bad claim with its named error,
 * the two ways to close, the settle delay (by the harness's clock, no real waiting), and
 * conservation of value through it all.
 */
export function paymentChannelTests<L extends PaymentChannelLedger>(options: PaymentChannelTestOptions<L>): void {
  const numRuns = options.numRuns ?? 25

  describe('Payment channel compliance', () => {
    let harness: PaymentChannelHarness<L>
    let ledger: L

    beforeEach(async () => {
      harness = await options.setup()
      ledger = harness.ledger
    })
    afterEach(async () => {
      await options.teardown(harness)
    })

    async function account(balance = 0n): Promise<AccountId> {
      const id = uniqueId('acct')
      await ledger.createAccount(id)
      if (balance > 0n) await harness.fund(id, balance)
      return id
    }

    interface Setup {
      readonly sender: AccountId
      readonly receiver: AccountId
      readonly signer: ClaimSigner
      readonly channel: PaymentChannel
      claim(amount: bigint, channelId?: string): Promise<{ channelId: string; amount: bigint; signature: Uint8Array }>
    }

    async function openChannel(deposit = 100n, balance = 1_000n, settleDelayMs = DELAY): Promise<Setup> {
      const sender = await account(balance)
      const receiver = await account()
      const signer = await harness.createSigner()
      const channel = await ledger.createChannel({
        idempotencyKey: key(),
        sender,
        receiver,
        amount: deposit,
        publicKey: signer.publicKey,
        settleDelayMs
      })
      return {
        sender,
        receiver,
        signer,
        channel,
        async claim(amount, channelId = channel.id) {
          return { channelId, amount, signature: await signer.sign(channelId, amount) }
        }
      }
    }

    it('declares the capability', () => {
      expect(ledger.capabilities.has('payment-channels')).toBe(true)
    })

    it('locks the deposit from the sender in a new open channel', async () => {
      const { sender, receiver, signer, channel } = await openChannel(100n, 1_000n)
      expect(channel).toMatchObject({
        sender,
        receiver,
        deposit: 100n,
        claimed: 0n,
        settleDelayMs: DELAY,
        status: 'open',
        closesAt: undefined,
        closedAt: undefined
      })
      expect(Uint8Array.from(channel.publicKey)).toEqual(Uint8Array.from(signer.publicKey))
      expect(await ledger.getBalance(sender)).toBe(900n)
      expect(await ledger.getBalance(receiver)).toBe(0n)
      expect(await ledger.getChannel(channel.id)).toEqual(channel)
    })

    it('refuses to open a channel the sender cannot fund, or with bad arguments', async () => {
      const sender = await account(50n)
      const receiver = await account()
      const { publicKey } = await harness.createSigner()
      const base = { sender, receiver, amount: 10n, publicKey, settleDelayMs: DELAY }
      await expect(ledger.createChannel({ ...base, idempotencyKey: key(), amount: 51n })).rejects.toBeInstanceOf(InsufficientFundsError)
      await expect(ledger.createChannel({ ...base, idempotencyKey: key(), amount: 0n })).rejects.toBeInstanceOf(InvalidAmountError)
      await expect(ledger.createChannel({ ...base, idempotencyKey: key(), receiver: 'nobody-here' })).rejects.toBeInstanceOf(
        UnknownAccountError
      )
      await expect(ledger.createChannel({ ...base, idempotencyKey: key(), receiver: sender })).rejects.toBeInstanceOf(InvalidArgumentError)
      await expect(ledger.createChannel({ ...base, idempotencyKey: key(), settleDelayMs: -1 })).rejects.toBeInstanceOf(InvalidArgumentError)
      await expect(ledger.createChannel({ ...base, idempotencyKey: key(), publicKey: new Uint8Array(3) })).rejects.toBeInstanceOf(
        InvalidArgumentError
      )
      expect(await ledger.getBalance(sender)).toBe(50n)
    })

    it('opens a channel once per idempotency key, and refuses the key for another body', async () => {
      const sender = await account(1_000n)
      const receiver = await account()
      const { publicKey } = await harness.createSigner()
      const request = { idempotencyKey: key(), sender, receiver, amount: 100n, publicKey, settleDelayMs: DELAY }
      const first = await ledger.createChannel(request)
      const again = await ledger.createChannel({ ...request })
      expect(again.id).toBe(first.id)
      expect(await ledger.getBalance(sender)).toBe(900n)
      await expect(ledger.createChannel({ ...request, amount: 101n })).rejects.toBeInstanceOf(IdempotencyConflictError)
      await expect(
        ledger.transfer({ idempotencyKey: request.idempotencyKey, from: sender, to: receiver, amount: 100n })
      ).rejects.toBeInstanceOf(IdempotencyConflictError)
    })

    it('adds funds from the sender, once per idempotency key', async () => {
      const { sender, channel } = await openChannel(100n, 1_000n)
      const request = { idempotencyKey: key(), channelId: channel.id, amount: 50n }
      expect((await ledger.fundChannel(request)).deposit).toBe(150n)
      expect((await ledger.fundChannel({ ...request })).deposit).toBe(150n)
      expect(await ledger.getBalance(sender)).toBe(850n)
      await expect(ledger.fundChannel({ ...request, amount: 51n })).rejects.toBeInstanceOf(IdempotencyConflictError)
      await expect(ledger.fundChannel({ idempotencyKey: key(), channelId: channel.id, amount: 851n })).rejects.toBeInstanceOf(
        InsufficientFundsError
      )
      await expect(ledger.fundChannel({ idempotencyKey: key(), channelId: 'no-such-channel', amount: 1n })).rejects.toBeInstanceOf(
        ChannelNotFoundError
      )
    })

    it('pays the receiver the growth of each cumulative claim', async () => {
      const setup = await openChannel(100n)
      const paid: bigint[] = []
      for (const amount of [10n, 25n, 100n]) {
        const result = await ledger.claimChannel(await setup.claim(amount))
        paid.push(result.paid)
        expect(result.channel.claimed).toBe(amount)
      }
      expect(paid).toEqual([10n, 15n, 75n])
      expect(await ledger.getBalance(setup.receiver)).toBe(100n)
      expect(await ledger.getBalance(setup.sender)).toBe(900n)
      expect((await ledger.getChannel(setup.channel.id)).claimed).toBe(100n)
    })

    it('refuses a forged claim with InvalidClaimSignatureError: random bytes, another key, another amount', async () => {
      const setup = await openChannel(100n)
      const { channel } = setup
      const other = await harness.createSigner()
      const good = await setup.claim(40n)
      for (const forged of [
        { channelId: channel.id, amount: 40n, signature: Uint8Array.from(randomBytes(good.signature.length)) },
        { channelId: channel.id, amount: 40n, signature: new Uint8Array(0) },
        { channelId: channel.id, amount: 40n, signature: await other.sign(channel.id, 40n) },
        { channelId: channel.id, amount: 41n, signature: good.signature },
        { channelId: channel.id, amount: 40n, signature: flipBit(good.signature) }
      ]) {
        const refused = ledger.claimChannel(forged)
        await expect(refused).rejects.toBeInstanceOf(InvalidClaimSignatureError)
        await expect(refused).rejects.toMatchObject({ channelId: channel.id })
      }
      expect(await ledger.getBalance(setup.receiver)).toBe(0n)
      expect((await ledger.getChannel(channel.id)).claimed).toBe(0n)
    })

    it('refuses a claim signed for another channel of the same key', async () => {
      const sender = await account(1_000n)
      const receiver = await account()
      const signer = await harness.createSigner()
      const open = (): Promise<PaymentChannel> =>
        ledger.createChannel({ idempotencyKey: key(), sender, receiver, amount: 100n, publicKey: signer.publicKey, settleDelayMs: DELAY })
      const a = await open()
      const b = await open()
      expect(b.id).not.toBe(a.id)
      const forA = await signer.sign(a.id, 30n)
      await expect(ledger.claimChannel({ channelId: b.id, amount: 30n, signature: forA })).rejects.toBeInstanceOf(
        InvalidClaimSignatureError
      )
      await ledger.claimChannel({ channelId: a.id, amount: 30n, signature: forA })
      expect(await ledger.getBalance(receiver)).toBe(30n)
    })

    it('refuses a replayed or lower claim with ClaimNotIncreasingError', async () => {
      const setup = await openChannel(100n)
      const claim = await setup.claim(60n)
      await ledger.claimChannel(claim)
      for (const again of [claim, await setup.claim(59n), await setup.claim(1n)]) {
        const refused = ledger.claimChannel(again)
        await expect(refused).rejects.toBeInstanceOf(ClaimNotIncreasingError)
        await expect(refused).rejects.toMatchObject({ amount: again.amount, claimed: 60n })
      }
      expect(await ledger.getBalance(setup.receiver)).toBe(60n)
    })

    it('refuses a claim above the deposit with ClaimExceedsDepositError, and takes it once funded', async () => {
      const setup = await openChannel(100n)
      const claim = await setup.claim(101n)
      const refused = ledger.claimChannel(claim)
      await expect(refused).rejects.toBeInstanceOf(ClaimExceedsDepositError)
      await expect(refused).rejects.toMatchObject({ amount: 101n, deposit: 100n })
      await ledger.fundChannel({ idempotencyKey: key(), channelId: setup.channel.id, amount: 1n })
      expect((await ledger.claimChannel(claim)).paid).toBe(101n)
    })

    it('refuses a claim on an unknown channel with ChannelNotFoundError, and a bad amount with InvalidAmountError', async () => {
      const setup = await openChannel(100n)
      const claim = await setup.claim(10n)
      await expect(ledger.claimChannel({ ...claim, channelId: 'no-such-channel' })).rejects.toBeInstanceOf(ChannelNotFoundError)
      await expect(ledger.claimChannel({ ...claim, amount: 0n })).rejects.toBeInstanceOf(InvalidAmountError)
      await expect(ledger.getChannel('no-such-channel')).rejects.toBeInstanceOf(ChannelNotFoundError)
    })

    it('closes at once when the receiver asks, paying its claim and returning the rest to the sender', async () => {
      const setup = await openChannel(100n, 1_000n)
      const { signature } = await setup.claim(35n)
      const closed = await ledger.requestChannelClose({ channelId: setup.channel.id, by: 'receiver', claim: { amount: 35n, signature } })
      expect(closed).toMatchObject({ status: 'closed', claimed: 35n })
      expect(typeof closed.closedAt).toBe('number')
      expect(await ledger.getBalance(setup.receiver)).toBe(35n)
      expect(await ledger.getBalance(setup.sender)).toBe(965n)
    })

    it('refuses a claim after close with ChannelClosedError, and any other operation on a closed channel', async () => {
      const setup = await openChannel(100n)
      const early = await setup.claim(20n)
      const late = await setup.claim(50n)
      await ledger.claimChannel(early)
      await ledger.requestChannelClose({ channelId: setup.channel.id, by: 'receiver' })
      await expect(ledger.claimChannel(late)).rejects.toBeInstanceOf(ChannelClosedError)
      await expect(ledger.fundChannel({ idempotencyKey: key(), channelId: setup.channel.id, amount: 1n })).rejects.toBeInstanceOf(
        ChannelClosedError
      )
      await expect(ledger.requestChannelClose({ channelId: setup.channel.id, by: 'sender' })).rejects.toBeInstanceOf(ChannelClosedError)
      await expect(ledger.closeChannel(setup.channel.id)).rejects.toBeInstanceOf(ChannelClosedError)
      expect(await ledger.getBalance(setup.receiver)).toBe(20n)
      expect(await ledger.getBalance(setup.sender)).toBe(980n)
    })

    it('refuses a receiver close whose claim is bad, and leaves the channel open', async () => {
      const setup = await openChannel(100n)
      const bad = { amount: 30n, signature: flipBit((await setup.claim(30n)).signature) }
      await expect(ledger.requestChannelClose({ channelId: setup.channel.id, by: 'receiver', claim: bad })).rejects.toBeInstanceOf(
        InvalidClaimSignatureError
      )
      expect((await ledger.getChannel(setup.channel.id)).status).toBe('open')
    })

    it('makes the sender wait the settle delay, during which the receiver redeems', async () => {
      const setup = await openChannel(100n, 1_000n)
      const id = setup.channel.id
      const before = harness.now()
      const closing = await ledger.requestChannelClose({ channelId: id, by: 'sender' })
      expect(closing.status).toBe('closing')
      expect(closing.closesAt).toBeGreaterThanOrEqual(before + DELAY)
      expect(closing.closesAt).toBeLessThanOrEqual(harness.now() + DELAY)
      await expect(ledger.closeChannel(id)).rejects.toBeInstanceOf(SettleDelayNotElapsedError)
      await expect(ledger.fundChannel({ idempotencyKey: key(), channelId: id, amount: 1n })).rejects.toBeInstanceOf(ChannelClosingError)

      await harness.advanceTime(DELAY - 1_000)
      await expect(ledger.closeChannel(id)).rejects.toBeInstanceOf(SettleDelayNotElapsedError)
      expect((await ledger.claimChannel(await setup.claim(40n))).paid).toBe(40n)

      await harness.advanceTime(1_000)
      // The delay is over: no more claims, only the close.
      await expect(ledger.claimChannel(await setup.claim(60n))).rejects.toBeInstanceOf(ChannelClosedError)
      const closed = await ledger.closeChannel(id)
      expect(closed).toMatchObject({ status: 'closed', claimed: 40n, deposit: 100n })
      expect(await ledger.getBalance(setup.sender)).toBe(960n)
      expect(await ledger.getBalance(setup.receiver)).toBe(40n)
    })

    it('keeps the earlier end when the sender asks to close twice', async () => {
      const setup = await openChannel(100n)
      const first = await ledger.requestChannelClose({ channelId: setup.channel.id, by: 'sender' })
      await harness.advanceTime(10_000)
      const second = await ledger.requestChannelClose({ channelId: setup.channel.id, by: 'sender' })
      expect(second.closesAt).toBe(first.closesAt)
    })

    it('closes at once when the sender asks and nothing is left to claim', async () => {
      const setup = await openChannel(100n)
      await ledger.claimChannel(await setup.claim(100n))
      const closed = await ledger.requestChannelClose({ channelId: setup.channel.id, by: 'sender' })
      expect(closed.status).toBe('closed')
    })

    it('refuses to close by time a channel nobody asked to close', async () => {
      const setup = await openChannel(100n)
      await harness.advanceTime(10 * DELAY)
      await expect(ledger.closeChannel(setup.channel.id)).rejects.toBeInstanceOf(CloseNotRequestedError)
      await expect(ledger.closeChannel('no-such-channel')).rejects.toBeInstanceOf(ChannelNotFoundError)
    })

    it('conserves value through random channel operations', async () => {
      const op = fc.oneof(
        fc.record({ kind: fc.constant('claim' as const), amount: fc.bigInt({ min: 1n, max: 300n }) }),
        fc.record({ kind: fc.constant('fund' as const), amount: fc.bigInt({ min: 1n, max: 300n }) }),
        fc.record({ kind: fc.constant('senderClose' as const) }),
        fc.record({ kind: fc.constant('receiverClose' as const), amount: fc.option(fc.bigInt({ min: 1n, max: 300n })) }),
        fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 2 * DELAY }) }),
        fc.record({ kind: fc.constant('close' as const) })
      )
      await fc.assert(
        fc.asyncProperty(fc.bigInt({ min: 1n, max: 300n }), fc.array(op, { maxLength: 12 }), async (deposit, ops) => {
          const setup = await openChannel(deposit, 600n)
          const id = setup.channel.id
          let best = 0n
          for (const step of ops) {
            try {
              if (step.kind === 'claim') {
                await ledger.claimChannel(await setup.claim(step.amount))
              } else if (step.kind === 'fund') {
                await ledger.fundChannel({ idempotencyKey: key(), channelId: id, amount: step.amount })
              } else if (step.kind === 'senderClose') {
                await ledger.requestChannelClose({ channelId: id, by: 'sender' })
              } else if (step.kind === 'receiverClose') {
                const claim = step.amount === null ? undefined : { amount: step.amount, signature: await setup.signer.sign(id, step.amount) }
                await ledger.requestChannelClose({ channelId: id, by: 'receiver', ...(claim === undefined ? {} : { claim }) })
              } else if (step.kind === 'wait') {
                await harness.advanceTime(step.ms)
              } else {
                await ledger.closeChannel(id)
              }
            } catch (error) {
              expect(error).toBeInstanceOf(LedgerError)
            }
            const channel = await ledger.getChannel(id)
            expect(channel.claimed).toBeGreaterThanOrEqual(best)
            expect(channel.claimed).toBeLessThanOrEqual(channel.deposit)
            best = channel.claimed
            const locked = channel.status === 'closed' ? 0n : channel.deposit - channel.claimed
            const senderBalance = await ledger.getBalance(setup.sender)
            const receiverBalance = await ledger.getBalance(setup.receiver)
            expect(senderBalance).toBeGreaterThanOrEqual(0n)
            expect(receiverBalance).toBe(channel.claimed)
            expect(senderBalance + receiverBalance + locked).toBe(600n)
          }
        }),
        { numRuns }
      )
    })
  })
}

function flipBit(bytes: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(bytes)
  copy[0] = (copy[0] ?? 0) ^ 0x01
  return copy
}
