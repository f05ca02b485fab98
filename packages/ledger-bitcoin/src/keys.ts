/**
 * Account keys: BIP 32 from one seed, BIP 84 paths (m/84'/coin'/0'/0/index: coin 0 on Bitcoin's
 * main network, whose bech32 prefix is `bc`; 1 on any other), each key paying to its P2WPKH address.
 */
import * as ecc from '@bitcoinerlab/secp256k1'
import { BIP32Factory, type BIP32Interface } from 'bip32'
import { payments, type Network } from 'bitcoinjs-lib'

const bip32 = BIP32Factory(ecc)

export interface AccountKey {
  readonly index: number
  readonly signer: BIP32Interface
  /** The P2WPKH output script (OP_0 <20-byte key hash>). */
  readonly script: Uint8Array
  readonly address: string
}

export class KeyChain {
  readonly #branch: BIP32Interface
  /** The root key's BIP 32 fingerprint, hex: names the seed without revealing it. */
  readonly fingerprint: string

  constructor(seed: Uint8Array, readonly network: Network) {
    const coin = network.bech32 === 'bc' ? 0 : 1
    const root = bip32.fromSeed(seed, network)
    this.fingerprint = Buffer.from(root.fingerprint).toString('hex')
    this.#branch = root.derivePath(`m/84'/${coin}'/0'/0`)
  }

  key(index: number): AccountKey {
    const signer = this.#branch.derive(index)
    const payment = payments.p2wpkh({ pubkey: signer.publicKey, network: this.network })
    if (payment.output === undefined || payment.address === undefined) throw new Error('p2wpkh gave no script')
    return { index, signer, script: payment.output, address: payment.address }
  }
}
