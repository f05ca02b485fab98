import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decode, encodeForSigning, hashes, verifySignature, type Transaction } from 'xrpl'
import { verify } from 'ripple-keypairs'
import {
  buildPayment,
  buildPaymentChannelClaim,
  buildPaymentChannelCreate,
  buildPaymentChannelFund,
  generateWallet,
  InvalidDropsError,
  InvalidTransactionFieldError,
  InvalidXrpAddressError,
  MAX_DROPS,
  paymentChannelId,
  signTransaction,
  SignerMismatchError,
  TF_CLOSE,
  walletFromSeed,
  type KeyAlgorithm
} from '../src/index.js'

const algorithms: KeyAlgorithm[] = ['secp256k1', 'ed25519']

describe.each(algorithms)('transactions signed with %s', (algorithm) => {
  const alice = generateWallet(algorithm)
  const bob = generateWallet(algorithm)

  function checkSigned(blob: string, hash: string, expected: Record<string, unknown>, signer = alice): void {
    const decoded = decode(blob)
    expect(decoded).toMatchObject(expected)
    expect(decoded.SigningPubKey).toBe(signer.publicKey)
    expect(verifySignature(blob)).toBe(true)
    // The same check without xrpl's helper: ripple-keypairs over the signing data.
    expect(verify(encodeForSigning(decoded as unknown as Transaction), decoded.TxnSignature as string, signer.publicKey)).toBe(true)
    expect(hash).toBe(hashes.hashSignedTx(blob))
  }

  it('signs a PaymentChannelCreate that decodes to the fields set', () => {
    const claimKey = generateWallet(algorithm)
    const tx = buildPaymentChannelCreate({
      account: alice.classicAddress,
      destination: bob.classicAddress,
      amount: 25_000_000n,
      settleDelay: 86_400,
      publicKey: claimKey.publicKey,
      cancelAfter: 800_000_000,
      destinationTag: 7,
      fee: 12n,
      sequence: 42,
      lastLedgerSequence: 9_000_000
    })
    const { txBlob, hash } = signTransaction(alice, tx)
    checkSigned(txBlob, hash, {
      TransactionType: 'PaymentChannelCreate',
      Account: alice.classicAddress,
      Destination: bob.classicAddress,
      Amount: '25000000',
      SettleDelay: 86_400,
      PublicKey: claimKey.publicKey,
      CancelAfter: 800_000_000,
      DestinationTag: 7,
      Fee: '12',
      Sequence: 42,
      LastLedgerSequence: 9_000_000
    })
  })

  it('signs a PaymentChannelFund that decodes to the fields set', () => {
    const channel = paymentChannelId(alice.classicAddress, bob.classicAddress, 42)
    const { txBlob, hash } = signTransaction(alice, buildPaymentChannelFund({ account: alice.classicAddress, channel, amount: 5_000_000n, fee: 10n, sequence: 43 }))
    checkSigned(txBlob, hash, { TransactionType: 'PaymentChannelFund', Channel: channel, Amount: '5000000', Fee: '10', Sequence: 43 })
  })

  it('signs a PaymentChannelClaim carrying a claim, with the close flag', () => {
    const channel = paymentChannelId(alice.classicAddress, bob.classicAddress, 42)
    const signature = 'AB'.repeat(64)
    const tx = buildPaymentChannelClaim({
      account: bob.classicAddress,
      channel,
      balance: 1_000n,
      amount: 1_000n,
      signature,
      publicKey: alice.publicKey,
      close: true,
      fee: 10n,
      sequence: 3
    })
    const { txBlob, hash } = signTransaction(bob, tx)
    checkSigned(
      txBlob,
      hash,
      { TransactionType: 'PaymentChannelClaim', Account: bob.classicAddress, Channel: channel, Balance: '1000', Amount: '1000', Signature: signature, PublicKey: alice.publicKey, Flags: TF_CLOSE },
      bob
    )
  })

  it('signs Payments of random amounts, fees and sequences that decode exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: MAX_DROPS }), fc.bigInt({ min: 0n, max: 1_000_000n }), fc.nat({ max: 0xffff_ffff }), (amount, fee, sequence) => {
        const { txBlob, hash } = signTransaction(alice, buildPayment({ account: alice.classicAddress, destination: bob.classicAddress, amount, fee, sequence }))
        checkSigned(txBlob, hash, { TransactionType: 'Payment', Amount: amount.toString(), Fee: fee.toString(), Sequence: sequence })
      }),
      { numRuns: algorithm === 'ed25519' ? 200 : 100 }
    )
  })
})

describe('transaction checks', () => {
  const alice = walletFromSeed('sEdTM1uX8pu2do5XvTnutH6HsouMaM2', 'ed25519')
  const bob = generateWallet('secp256k1')
  const base = { account: alice.classicAddress, destination: bob.classicAddress, fee: 10n, sequence: 1 }

  it('refuses drops below 1 or above the XRP supply', () => {
    expect(() => buildPayment({ ...base, amount: 0n })).toThrow(InvalidDropsError)
    expect(() => buildPayment({ ...base, amount: MAX_DROPS + 1n })).toThrow(InvalidDropsError)
    expect(() => buildPayment({ ...base, amount: 1n, fee: -1n })).toThrow(InvalidDropsError)
  })

  it('refuses bad addresses, keys, channel ids and claim fields', () => {
    expect(() => buildPayment({ ...base, destination: 'bob', amount: 1n })).toThrow(InvalidXrpAddressError)
    expect(() => buildPaymentChannelCreate({ ...base, amount: 1n, settleDelay: 1, publicKey: '04'.repeat(33) })).toThrow(InvalidTransactionFieldError)
    expect(() => buildPaymentChannelFund({ ...base, channel: 'ABC', amount: 1n })).toThrow(InvalidTransactionFieldError)
    const channel = paymentChannelId(alice.classicAddress, bob.classicAddress, 1)
    expect(() => buildPaymentChannelClaim({ ...base, channel, amount: 5n, signature: 'AB'.repeat(64) })).toThrow(InvalidTransactionFieldError)
    expect(() => buildPaymentChannelClaim({ ...base, channel, publicKey: alice.publicKey, signature: 'AB'.repeat(64) })).toThrow(InvalidTransactionFieldError)
    expect(() => buildPaymentChannelClaim({ ...base, channel, balance: 6n, amount: 5n })).toThrow(InvalidTransactionFieldError)
  })

  it('refuses to sign with a wallet that is not the Account', () => {
    const tx = buildPayment({ ...base, amount: 1n })
    expect(() => signTransaction(bob, tx)).toThrow(SignerMismatchError)
  })

  it('derives the same wallet again from its seed, for both algorithms', () => {
    expect(alice.publicKey).toMatch(/^ED/)
    for (const algorithm of ['ed25519', 'secp256k1'] as const) {
      const wallet = generateWallet(algorithm)
      expect(walletFromSeed(wallet.seed as string, algorithm).classicAddress).toBe(wallet.classicAddress)
    }
  })
})
