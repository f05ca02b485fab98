/**
 * The transactions of XRP Ledger payment channels (and a plain XRP Payment) as xrpl.js JSON,
 * built without a server: the fee, the sequence and the last ledger are passed in, nothing is
 * autofilled. Every field is checked here, so a bad value is a typed error before signing.
 * Amounts are drops (bigint) and become the decimal strings the XRP Ledger's JSON uses.
 */
import type { Payment, PaymentChannelClaim, PaymentChannelCreate, PaymentChannelFund } from 'xrpl'
import { checkAddress } from './address.js'
import { checkChannelId, checkUInt32 } from './channel-id.js'
import { checkDrops } from './drops.js'
import { InvalidTransactionFieldError } from './errors.js'

/** What every transaction needs when no server fills it in. */
export interface CommonFields {
  /** The sending account (classic address); the wallet that signs must be its master key. */
  readonly account: string
  /** The transaction cost in drops (the XRP Ledger's reference cost is 10 drops). */
  readonly fee: bigint
  /** The account's next sequence number. */
  readonly sequence: number
  /** The last ledger index in which the transaction may be included (strongly advised). */
  readonly lastLedgerSequence?: number
  readonly sourceTag?: number
  /** Required on networks with an id above 1024 (sidechains); absent on Mainnet/Testnet/Devnet. */
  readonly networkId?: number
}

export interface PaymentChannelCreateFields extends CommonFields {
  readonly destination: string
  /** Drops locked in the channel, at least 1. */
  readonly amount: bigint
  /** Seconds the destination has to redeem after the source asks to close. */
  readonly settleDelay: number
  /** The key that signs claims (33 bytes hex: secp256k1 compressed, or 0xED + ed25519). */
  readonly publicKey: string
  /** Ripple-epoch seconds after which the channel expires. */
  readonly cancelAfter?: number
  readonly destinationTag?: number
}

export interface PaymentChannelFundFields extends CommonFields {
  readonly channel: string
  /** Drops added, at least 1. */
  readonly amount: bigint
  /** New ripple-epoch expiration (must be later than the settle delay allows). */
  readonly expiration?: number
}

export interface PaymentChannelClaimFields extends CommonFields {
  readonly channel: string
  /** The channel's total paid out after this transaction (the claim's cumulative drops). */
  readonly balance?: bigint
  /** The claim's cumulative drops, which `signature` signs. */
  readonly amount?: bigint
  /** The claim signature, hex (required when the destination redeems a claim). */
  readonly signature?: string
  /** The channel's public key, hex (required with `signature`). */
  readonly publicKey?: string
  /** Close the channel (tfClose) or, as the source, clear its expiration (tfRenew). */
  readonly close?: boolean
  readonly renew?: boolean
}

export interface PaymentFields extends CommonFields {
  readonly destination: string
  /** Drops delivered, at least 1. */
  readonly amount: bigint
  readonly destinationTag?: number
}

/** PaymentChannelClaim flags (XRPL docs, "PaymentChannelClaim Flags"). */
export const TF_RENEW = 0x0001_0000
export const TF_CLOSE = 0x0002_0000

const publicKeyPattern = /^(?:0[23][0-9A-Fa-f]{64}|[Ee][Dd][0-9A-Fa-f]{64})$/
const signaturePattern = /^(?:[0-9A-Fa-f]{2}){8,72}$/

export function buildPaymentChannelCreate(fields: PaymentChannelCreateFields): PaymentChannelCreate {
  return {
    TransactionType: 'PaymentChannelCreate',
    ...common(fields),
    Destination: checkAddress('destination', fields.destination),
    Amount: checkDrops('amount', fields.amount, 1n).toString(),
    SettleDelay: checkUInt32('settleDelay', fields.settleDelay),
    PublicKey: checkPublicKey('publicKey', fields.publicKey),
    ...optionalUInt32('CancelAfter', 'cancelAfter', fields.cancelAfter),
    ...optionalUInt32('DestinationTag', 'destinationTag', fields.destinationTag)
  }
}

export function buildPaymentChannelFund(fields: PaymentChannelFundFields): PaymentChannelFund {
  return {
    TransactionType: 'PaymentChannelFund',
    ...common(fields),
    Channel: checkChannelId('channel', fields.channel),
    Amount: checkDrops('amount', fields.amount, 1n).toString(),
    ...optionalUInt32('Expiration', 'expiration', fields.expiration)
  }
}

export function buildPaymentChannelClaim(fields: PaymentChannelClaimFields): PaymentChannelClaim {
  const tx: PaymentChannelClaim = {
    TransactionType: 'PaymentChannelClaim',
    ...common(fields),
    Channel: checkChannelId('channel', fields.channel)
  }
  if (fields.balance !== undefined) tx.Balance = checkDrops('balance', fields.balance, 1n).toString()
  if (fields.amount !== undefined) tx.Amount = checkDrops('amount', fields.amount, 1n).toString()
  if (fields.signature !== undefined) {
    if (typeof fields.signature !== 'string' || !signaturePattern.test(fields.signature)) {
      throw new InvalidTransactionFieldError('signature', fields.signature, 'must be a hex signature of 8 to 72 bytes')
    }
    if (fields.publicKey === undefined) throw new InvalidTransactionFieldError('publicKey', undefined, 'is required with a signature')
    if (fields.amount === undefined) throw new InvalidTransactionFieldError('amount', undefined, 'is required with a signature: it is what the claim signs')
    tx.Signature = fields.signature.toUpperCase()
  }
  if (fields.publicKey !== undefined) tx.PublicKey = checkPublicKey('publicKey', fields.publicKey)
  if (fields.balance !== undefined && fields.amount !== undefined && fields.balance > fields.amount) {
    throw new InvalidTransactionFieldError('balance', fields.balance, `must not exceed the claim amount ${fields.amount}`)
  }
  const flags = (fields.renew === true ? TF_RENEW : 0) | (fields.close === true ? TF_CLOSE : 0)
  if (flags !== 0) tx.Flags = flags
  return tx
}

export function buildPayment(fields: PaymentFields): Payment {
  return {
    TransactionType: 'Payment',
    ...common(fields),
    Destination: checkAddress('destination', fields.destination),
    Amount: checkDrops('amount', fields.amount, 1n).toString(),
    ...optionalUInt32('DestinationTag', 'destinationTag', fields.destinationTag)
  }
}

interface CommonJson {
  Account: string
  Fee: string
  Sequence: number
  LastLedgerSequence?: number
  SourceTag?: number
  NetworkID?: number
}

function common(fields: CommonFields): CommonJson {
  return {
    Account: checkAddress('account', fields.account),
    Fee: checkDrops('fee', fields.fee).toString(),
    Sequence: checkUInt32('sequence', fields.sequence),
    ...optionalUInt32('LastLedgerSequence', 'lastLedgerSequence', fields.lastLedgerSequence),
    ...optionalUInt32('SourceTag', 'sourceTag', fields.sourceTag),
    ...optionalUInt32('NetworkID', 'networkId', fields.networkId)
  }
}

function optionalUInt32<K extends string>(key: K, field: string, value: number | undefined): { [P in K]?: number } {
  if (value === undefined) return {}
  return { [key]: checkUInt32(field, value) } as { [P in K]?: number }
}

/** `value` in uppercase if it is a 33-byte XRP Ledger public key in hex; InvalidTransactionFieldError otherwise. */
export function checkPublicKey(field: string, value: unknown): string {
  if (typeof value === 'string' && publicKeyPattern.test(value)) return value.toUpperCase()
  throw new InvalidTransactionFieldError(field, value, 'must be a 33-byte public key in hex (02/03 + secp256k1, or ED + ed25519)')
}
