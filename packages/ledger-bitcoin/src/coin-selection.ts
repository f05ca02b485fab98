/**
 * Which coins a transaction spends, what change it returns and what fee it pays, for P2WPKH
 * inputs. Pure: the caller gives the coins and the rate. Inputs = outputs + change + fee, to the
 * satoshi, by construction.
 */

export interface Coin {
  readonly txid: string
  readonly vout: number
  readonly value: bigint
  /** 0 while in the mempool. */
  readonly confirmations: number
}

export interface Payment {
  readonly script: Uint8Array
  readonly value: bigint
}

export interface SelectionRequest {
  /** The paying account's spendable coins. */
  readonly coins: readonly Coin[]
  readonly payments: readonly Payment[]
  /** Satoshis per virtual byte. */
  readonly feeRate: bigint
  /** Change below this is left to the fee (the fee payer's) or refused (the sender's, when another account pays the fee). */
  readonly dustLimit: bigint
  /** Another account's coins that pay the whole fee; without it the sender pays it on top. */
  readonly feeCoins?: readonly Coin[]
}

export type Selection =
  | {
      readonly ok: true
      readonly inputs: readonly Coin[]
      readonly feeInputs: readonly Coin[]
      /** The sender's change, 0n for none. */
      readonly change: bigint
      /** The fee payer's change, 0n for none. */
      readonly feeChange: bigint
      readonly fee: bigint
    }
  /** `available`: what the short party holds; `needed`: what this transaction would take from it. */
  | { readonly ok: false; readonly party: 'sender' | 'fee-payer'; readonly available: bigint; readonly needed: bigint }
  | { readonly ok: false; readonly party: 'dust-change'; readonly change: bigint }

// BIP 141 weights / 4, rounded up: version, locktime, counts, segwit marker and flag.
const OVERHEAD_VBYTES = 11n
// Outpoint, empty scriptSig, sequence (41 bytes) plus a witness of a 72-byte signature and a 33-byte key (/4).
const P2WPKH_INPUT_VBYTES = 68n
const P2WPKH_OUTPUT_VBYTES = 31n

export function outputVbytes(script: Uint8Array): bigint {
  return 8n + (script.length < 253 ? 1n : 3n) + BigInt(script.length)
}

/**
 * Bitcoin Core's dust threshold (policy.cpp GetDustThreshold): an output is dust when spending
 * it would cost more than a third of it at the dust relay fee: its size plus the input that
 * spends it (67 vbytes for a witness program, 148 otherwise), times the rate (3 sat/vB in Core).
 * An OP_RETURN output is never spent, so never dust.
 */
export function dustThreshold(script: Uint8Array, dustRelayFee: bigint): bigint {
  if (script[0] === 0x6a) return 0n
  const version = script[0] ?? 0xff
  const witnessProgram = script.length >= 4 && script.length <= 42 && (version === 0 || (version >= 0x51 && version <= 0x60)) && script[1] === script.length - 2
  return (outputVbytes(script) + (witnessProgram ? 67n : 148n)) * dustRelayFee
}

/** Spendable first when confirmed (no unconfirmed ancestors to chain on), then the largest. */
export function spendOrder(coins: readonly Coin[]): Coin[] {
  return [...coins].sort((a, b) => Number(b.confirmations > 0) - Number(a.confirmations > 0) || (b.value > a.value ? 1 : b.value < a.value ? -1 : 0))
}

export function selectCoins(request: SelectionRequest): Selection {
  const paid = request.payments.reduce((sum, payment) => sum + payment.value, 0n)
  const outputs = request.payments.reduce((sum, payment) => sum + outputVbytes(payment.script), 0n)
  const sponsored = request.feeCoins !== undefined
  const coins = spendOrder(request.coins)
  const feeCoins = spendOrder(request.feeCoins ?? [])
  // Every estimate counts a change output for each paying party: at most 31 vbytes overpaid.
  const changeOutputs = (sponsored ? 2n : 1n) * P2WPKH_OUTPUT_VBYTES
  const feeFor = (inputCount: number): bigint =>
    request.feeRate * (OVERHEAD_VBYTES + BigInt(inputCount) * P2WPKH_INPUT_VBYTES + outputs + changeOutputs)

  const inputs: Coin[] = []
  let total = 0n
  const senderNeeds = (): bigint => paid + (sponsored ? 0n : feeFor(inputs.length))
  for (const coin of coins) {
    if (total >= senderNeeds()) break
    inputs.push(coin)
    total += coin.value
  }
  if (total < senderNeeds()) return { ok: false, party: 'sender', available: sumOf(request.coins), needed: senderNeeds() }

  if (!sponsored) {
    const fee = feeFor(inputs.length)
    const change = total - paid - fee
    if (change < request.dustLimit) return { ok: true, inputs, feeInputs: [], change: 0n, feeChange: 0n, fee: fee + change }
    return { ok: true, inputs, feeInputs: [], change, feeChange: 0n, fee }
  }

  // The sender's change is theirs, to the satoshi: take more of their coins until it is no dust.
  let change = total - paid
  for (const coin of coins.slice(inputs.length)) {
    if (change === 0n || change >= request.dustLimit) break
    inputs.push(coin)
    total += coin.value
    change = total - paid
  }
  if (change > 0n && change < request.dustLimit) return { ok: false, party: 'dust-change', change }

  const feeInputs: Coin[] = []
  let feeTotal = 0n
  const fee = (): bigint => feeFor(inputs.length + feeInputs.length)
  for (const coin of feeCoins) {
    if (feeTotal >= fee()) break
    feeInputs.push(coin)
    feeTotal += coin.value
  }
  if (feeTotal < fee()) return { ok: false, party: 'fee-payer', available: sumOf(feeCoins), needed: fee() }
  const feeChange = feeTotal - fee()
  if (feeChange < request.dustLimit) return { ok: true, inputs, feeInputs, change, feeChange: 0n, fee: feeTotal }
  return { ok: true, inputs, feeInputs, change, feeChange, fee: fee() }
}

function sumOf(coins: readonly Coin[]): bigint {
  return coins.reduce((sum, coin) => sum + coin.value, 0n)
}
