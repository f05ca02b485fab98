import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  AccountExistsError,
  IdempotencyConflictError,
  InsufficientFundsError,
  InvalidAmountError,
  InvalidArgumentError,
  LedgerError,
  UnknownAccountError
} from '../errors.js'
import type { AccountId, Ledger, TransferRequest } from '../ledger.js'
import { MAX_UINT64 } from '../amount.js'
import { uniqueId } from './unique-id.js'

export interface LedgerHarness<L extends Ledger = Ledger> {
  readonly ledger: L
  /**
   * Puts `amount` into `account` from outside the accounts the suite creates (an issuance
   * account, a faucet, a genesis balance): how the suite gets money to move.
   */
  fund(account: AccountId, amount: bigint): Promise<void>
}

export interface LedgerTestOptions<L extends Ledger = Ledger> {
  /** A ledger ready for use, with a way to fund accounts. Called before every test. */
  setup(): Promise<LedgerHarness<L>>
  /** Releases what `setup` made. */
  teardown(harness: LedgerHarness<L>): Promise<void>
  /** Runs of the conservation property. Default 40. */
  readonly numRuns?: number
  /** Transfers in flight at once in the concurrency tests. Default 50. */
  readonly concurrency?: number
  /**
   * Whether a balance may go below zero, down to an account's credit limit. Default true. A chain
   * has no credit: with false, a credit limit other than 0 must be refused (InvalidArgumentError),
   * and the credit cases run with no credit.
   */
  readonly credit?: boolean
  /**
   * The amount of the "carries the largest amount exactly" case. Default 2^64-1. A chain whose
   * money cannot reach it (Bitcoin: 21e14 satoshis at most, a regtest chain far less) names the
   * most its `fund` can put in one account; amounts up to 2^64-1 stay valid, refused for funds.
   */
  readonly largestAmount?: bigint
}

const key = (): string => uniqueId('key')

/**
 * The contract of a `Ledger`, run by every adapter against itself: a new layer-1 adapter is
 * done when this suite passes. Uses vitest's `describe`/`it` and fast-check. The suite makes
 * its own accounts with fresh ids, so the ledger may hold others.
 */
export function ledgerTests<L extends Ledger>(options: LedgerTestOptions<L>): void {
  const numRuns = options.numRuns ?? 40
  const concurrency = options.concurrency ?? 50
  const credit = options.credit ?? true
  const largest = options.largestAmount ?? MAX_UINT64

  describe('Ledger compliance', () => {
    let harness: LedgerHarness<L>
    let ledger: L

    beforeEach(async () => {
      harness = await options.setup()
      ledger = harness.ledger
    })
    afterEach(async () => {
      await options.teardown(harness)
    })

    async function account(balance = 0n, creditLimit?: bigint): Promise<AccountId> {
      const id = uniqueId('acct')
      await ledger.createAccount(id, creditLimit === undefined ? {} : { creditLimit })
      if (balance > 0n) await harness.fund(id, balance)
      return id
    }

    it('names its asset: a code and a scale in 0..255', () => {
      expect(typeof ledger.asset.code).toBe('string')
      expect(ledger.asset.code.length).toBeGreaterThan(0)
      expect(Number.isInteger(ledger.asset.scale)).toBe(true)
      expect(ledger.asset.scale).toBeGreaterThanOrEqual(0)
      expect(ledger.asset.scale).toBeLessThanOrEqual(255)
    })

    it('creates an account with a zero balance, lists it, and refuses the same id twice', async () => {
      const id = uniqueId('acct')
      const created = await ledger.createAccount(id)
      expect(created).toMatchObject({ id, balance: 0n, creditLimit: 0n }) // an adapter may add its own fields (an address)
      expect(await ledger.getAccount(id)).toEqual(created)
      expect(await ledger.getBalance(id)).toBe(0n)
      expect((await ledger.listAccounts()).map((a) => a.id)).toContain(id)
      await expect(ledger.createAccount(id)).rejects.toBeInstanceOf(AccountExistsError)
    })

    it.runIf(!credit)('refuses any credit limit but 0: it has no credit', async () => {
      await expect(ledger.createAccount(uniqueId('acct'), { creditLimit: 1n })).rejects.toBeInstanceOf(InvalidArgumentError)
    })

    it('refuses an account id that is not URL-safe, and a negative credit limit', async () => {
      await expect(ledger.createAccount('')).rejects.toBeInstanceOf(InvalidArgumentError)
      await expect(ledger.createAccount('has space')).rejects.toBeInstanceOf(InvalidArgumentError)
      await expect(ledger.createAccount('slash/y')).rejects.toBeInstanceOf(InvalidArgumentError)
      await expect(ledger.createAccount(uniqueId('acct'), { creditLimit: -1n })).rejects.toBeInstanceOf(InvalidArgumentError)
    })

    it('answers UnknownAccountError for an account it does not have', async () => {
      const known = await account(10n)
      await expect(ledger.getAccount('nobody-here')).rejects.toBeInstanceOf(UnknownAccountError)
      await expect(ledger.getBalance('nobody-here')).rejects.toBeInstanceOf(UnknownAccountError)
      await expect(ledger.transfer({ idempotencyKey: key(), from: known, to: 'nobody-here', amount: 1n })).rejects.toMatchObject({
        name: 'UnknownAccountError',
        accountId: 'nobody-here'
      })
      await expect(ledger.transfer({ idempotencyKey: key(), from: 'nobody-here', to: known, amount: 1n })).rejects.toBeInstanceOf(
        UnknownAccountError
      )
      expect(await ledger.getBalance(known)).toBe(10n)
    })

    it('moves the amount from one account to the other and describes the transfer', async () => {
      const alice = await account(1_000n)
      const bob = await account()
      const idempotencyKey = key()
      const transfer = await ledger.transfer({ idempotencyKey, from: alice, to: bob, amount: 250n, memo: 'rent' })
      expect(transfer).toMatchObject({ idempotencyKey, from: alice, to: bob, amount: 250n, memo: 'rent' })
      expect(typeof transfer.id).toBe('string')
      expect(typeof transfer.createdAt).toBe('number')
      expect(await ledger.getBalance(alice)).toBe(750n)
      expect(await ledger.getBalance(bob)).toBe(250n)
    })

    it(`carries the largest amount exactly (${largest === MAX_UINT64 ? 'UInt64' : largest})`, async () => {
      const alice = await account(largest)
      const bob = await account()
      await ledger.transfer({ idempotencyKey: key(), from: alice, to: bob, amount: largest })
      expect(await ledger.getBalance(bob)).toBe(largest)
      expect(await ledger.getBalance(alice)).toBe(0n)
    })

    it('refuses with InsufficientFundsError and moves nothing when the balance does not cover the amount', async () => {
      const alice = await account(100n)
      const bob = await account()
      const refused = ledger.transfer({ idempotencyKey: key(), from: alice, to: bob, amount: 101n })
      await expect(refused).rejects.toBeInstanceOf(InsufficientFundsError)
      await expect(refused).rejects.toMatchObject({ accountId: alice, balance: 100n, amount: 101n, creditLimit: 0n })
      expect(await ledger.getBalance(alice)).toBe(100n)
      expect(await ledger.getBalance(bob)).toBe(0n)
    })

    it.runIf(credit)('lets a balance go negative down to the credit limit, and no further', async () => {
      const alice = await account(10n, 50n)
      const bob = await account()
      await ledger.transfer({ idempotencyKey: key(), from: alice, to: bob, amount: 60n })
      expect(await ledger.getBalance(alice)).toBe(-50n)
      await expect(ledger.transfer({ idempotencyKey: key(), from: alice, to: bob, amount: 1n })).rejects.toBeInstanceOf(
        InsufficientFundsError
      )
      expect((await ledger.getAccount(alice)).creditLimit).toBe(50n)
    })

    it('refuses an amount that is not a positive UInt64, and a transfer to the same account', async () => {
      const alice = await account(100n)
      const bob = await account()
      for (const amount of [0n, -1n, 1n << 64n]) {
        await expect(ledger.transfer({ idempotencyKey: key(), from: alice, to: bob, amount })).rejects.toBeInstanceOf(
          InvalidAmountError
        )
      }
      const notBigint = { idempotencyKey: key(), from: alice, to: bob, amount: 5 } as unknown as TransferRequest
      await expect(ledger.transfer(notBigint)).rejects.toBeInstanceOf(InvalidAmountError)
      await expect(ledger.transfer({ idempotencyKey: key(), from: alice, to: alice, amount: 1n })).rejects.toBeInstanceOf(
        InvalidArgumentError
      )
      await expect(ledger.transfer({ idempotencyKey: '', from: alice, to: bob, amount: 1n })).rejects.toBeInstanceOf(
        InvalidArgumentError
      )
      expect(await ledger.getBalance(alice)).toBe(100n)
    })

    it('replays a transfer with the same key and body: the same transfer, applied once', async () => {
      const alice = await account(100n)
      const bob = await account()
      const request = { idempotencyKey: key(), from: alice, to: bob, amount: 30n, memo: 'once' }
      const first = await ledger.transfer(request)
      const second = await ledger.transfer({ ...request })
      expect(second).toEqual(first)
      expect(await ledger.getBalance(alice)).toBe(70n)
      expect(await ledger.getBalance(bob)).toBe(30n)
    })

    it('refuses the same key with another body with IdempotencyConflictError, and moves nothing', async () => {
      const alice = await account(100n)
      const bob = await account()
      const carol = await account()
      const idempotencyKey = key()
      await ledger.transfer({ idempotencyKey, from: alice, to: bob, amount: 30n })
      for (const other of [
        { idempotencyKey, from: alice, to: bob, amount: 31n },
        { idempotencyKey, from: alice, to: carol, amount: 30n },
        { idempotencyKey, from: bob, to: alice, amount: 30n },
        { idempotencyKey, from: alice, to: bob, amount: 30n, memo: 'different' }
      ]) {
        const refused = ledger.transfer(other)
        await expect(refused).rejects.toBeInstanceOf(IdempotencyConflictError)
        await expect(refused).rejects.toMatchObject({ idempotencyKey })
      }
      expect(await ledger.getBalance(alice)).toBe(70n)
      expect(await ledger.getBalance(bob)).toBe(30n)
      expect(await ledger.getBalance(carol)).toBe(0n)
    })

    it('records nothing for a refused transfer: its key works once the funds are there', async () => {
      const alice = await account(5n)
      const bob = await account()
      const request = { idempotencyKey: key(), from: alice, to: bob, amount: 10n }
      await expect(ledger.transfer(request)).rejects.toBeInstanceOf(InsufficientFundsError)
      await harness.fund(alice, 5n)
      await ledger.transfer(request)
      expect(await ledger.getBalance(bob)).toBe(10n)
    })

    it(`keeps balances exact under ${concurrency} concurrent transfers that overdraw`, async () => {
      const payers = 10n
      const alice = await account(payers * 7n)
      const bob = await account()
      const results = await Promise.allSettled(
        Array.from({ length: concurrency }, () => ledger.transfer({ idempotencyKey: key(), from: alice, to: bob, amount: 7n }))
      )
      const done = results.filter((result) => result.status === 'fulfilled').length
      const refused = results.filter((result) => result.status === 'rejected')
      expect(done).toBe(Math.min(concurrency, Number(payers)))
      for (const result of refused) expect(result.reason).toBeInstanceOf(InsufficientFundsError)
      expect(await ledger.getBalance(alice)).toBe(payers * 7n - BigInt(done) * 7n)
      expect(await ledger.getBalance(bob)).toBe(BigInt(done) * 7n)
    })

    it(`applies once ${concurrency} concurrent replays of one request`, async () => {
      const alice = await account(100n)
      const bob = await account()
      const request = { idempotencyKey: key(), from: alice, to: bob, amount: 40n }
      const results = await Promise.all(Array.from({ length: concurrency }, () => ledger.transfer(request)))
      expect(new Set(results.map((transfer) => transfer.id)).size).toBe(1)
      expect(await ledger.getBalance(alice)).toBe(60n)
      expect(await ledger.getBalance(bob)).toBe(40n)
    })

    it('conserves value: random transfers move it between accounts as a model says, never create or destroy it', async () => {
      const plan = fc.record({
        accounts: fc.array(
          fc.record({ funded: fc.bigInt({ min: 0n, max: 1_000n }), creditLimit: fc.bigInt({ min: 0n, max: credit ? 200n : 0n }) }),
          { minLength: 2, maxLength: 5 }
        ),
        transfers: fc.array(
          fc.record({
            from: fc.nat(4),
            to: fc.nat(4),
            amount: fc.oneof(fc.bigInt({ min: 1n, max: 400n }), fc.constant(0n), fc.constant(1n << 64n)),
            replay: fc.boolean()
          }),
          { maxLength: 25 }
        )
      })
      await fc.assert(
        fc.asyncProperty(plan, async ({ accounts, transfers }) => {
          const ids: AccountId[] = []
          const model = new Map<AccountId, { balance: bigint; creditLimit: bigint }>()
          for (const spec of accounts) {
            const id = await account(spec.funded, spec.creditLimit)
            ids.push(id)
            model.set(id, { balance: spec.funded, creditLimit: spec.creditLimit })
          }
          const total = accounts.reduce((sum, spec) => sum + spec.funded, 0n)
          let previous: TransferRequest | undefined
          for (const step of transfers) {
            const from = ids[step.from % ids.length] as AccountId
            const to = ids[step.to % ids.length] as AccountId
            const request: TransferRequest =
              step.replay && previous !== undefined ? previous : { idempotencyKey: key(), from, to, amount: step.amount }
            const isReplay = request === previous
            const payer = model.get(request.from)
            const payee = model.get(request.to)
            if (payer === undefined || payee === undefined) throw new Error('model out of step')
            try {
              await ledger.transfer(request)
              if (!isReplay) {
                payer.balance -= request.amount
                payee.balance += request.amount
              }
              previous = request
            } catch (error) {
              // A refusal is a named ledger error, and one the model agrees with.
              expect(error).toBeInstanceOf(LedgerError)
              const valid = request.amount > 0n && request.amount < 1n << 64n && request.from !== request.to
              if (valid) {
                expect(error).toBeInstanceOf(InsufficientFundsError)
                expect(payer.balance - request.amount).toBeLessThan(-payer.creditLimit)
              }
            }
          }
          let sum = 0n
          for (const id of ids) {
            const balance = await ledger.getBalance(id)
            const expected = model.get(id)
            expect(balance).toBe(expected?.balance)
            expect(balance).toBeGreaterThanOrEqual(-(expected?.creditLimit ?? 0n))
            sum += balance
          }
          expect(sum).toBe(total)
        }),
        { numRuns }
      )
    })
  })
}
