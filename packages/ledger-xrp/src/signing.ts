/**
 * Signing with xrpl.js's `Wallet`, offline: the signed blob (the hex a server's `submit`
 * takes) and the transaction hash, which is how the ledger will know it.
 */
import { hashes, Wallet, type Transaction } from 'xrpl'
import { SignerMismatchError } from './errors.js'

export type KeyAlgorithm = 'ed25519' | 'secp256k1'

export interface SignedTransaction {
  /** The signed transaction in the XRP Ledger's binary format, uppercase hex. */
  readonly txBlob: string
  /** Its hash (SHA-512Half with the `TXN\0` prefix), 64 uppercase hex digits. */
  readonly hash: string
}

/** A wallet from a family seed (s…); the algorithm is taken from the seed unless given. */
export function walletFromSeed(seed: string, algorithm?: KeyAlgorithm): Wallet {
  return algorithm === undefined ? Wallet.fromSeed(seed) : Wallet.fromSeed(seed, { algorithm: toEcdsa(algorithm) })
}

/** A new random wallet. */
export function generateWallet(algorithm: KeyAlgorithm = 'ed25519'): Wallet {
  return Wallet.generate(toEcdsa(algorithm))
}

/**
 * Signs `tx` with the master key of `wallet`, which must be the transaction's `Account`
 * (SignerMismatchError otherwise: regular keys and multisigning are not handled here).
 */
export function signTransaction(wallet: Wallet, tx: Transaction): SignedTransaction {
  if (tx.Account !== wallet.classicAddress) throw new SignerMismatchError(tx.Account, wallet.classicAddress)
  const { tx_blob: txBlob, hash } = wallet.sign(tx)
  return { txBlob, hash }
}

/** The hash of a signed blob, as the ledger computes it. */
export function hashSignedTransaction(txBlob: string): string {
  return hashes.hashSignedTx(txBlob)
}

// xrpl's ECDSA enum is a runtime object of a CommonJS module; its values are these strings.
function toEcdsa(algorithm: KeyAlgorithm): Parameters<typeof Wallet.generate>[0] {
  return (algorithm === 'ed25519' ? 'ed25519' : 'ecdsa-secp256k1') as Parameters<typeof Wallet.generate>[0]
}
