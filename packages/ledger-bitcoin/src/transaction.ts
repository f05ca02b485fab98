/** Builds and signs a transaction that spends P2WPKH coins (BIP 143 signatures, SIGHASH_ALL). */
import { Psbt, type Network, type Transaction } from 'bitcoinjs-lib'
import type { Coin, Payment } from './coin-selection.js'
import type { AccountKey } from './keys.js'

export interface SignedInput {
  readonly coin: Coin
  readonly key: AccountKey
}

export function signTransaction(network: Network, inputs: readonly SignedInput[], outputs: readonly Payment[]): Transaction {
  const psbt = new Psbt({ network })
  for (const { coin, key } of inputs) {
    psbt.addInput({ hash: coin.txid, index: coin.vout, witnessUtxo: { script: key.script, value: coin.value } })
  }
  for (const output of outputs) psbt.addOutput({ script: output.script, value: output.value })
  inputs.forEach(({ key }, index) => psbt.signInput(index, key.signer))
  psbt.finalizeAllInputs()
  return psbt.extractTransaction()
}
