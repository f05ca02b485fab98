import { join } from 'node:path'
import type { Journal } from '@stack/ledger-bitcoin'
import { openJournal } from './open-journal.js'

/** Confirmations after which a sweep is final (LDK's ANTI_REORG_DELAY). */
export const SWEEP_DEPTH = 6

type NodeRecord =
  | { readonly t: 'sent'; readonly hash: string; readonly preimage: string; readonly feeMsat: string }
  | { readonly t: 'failed'; readonly hash: string; readonly reason: string }
  | { readonly t: 'claimed'; readonly hash: string; readonly msat: string }
  /** A sweep, written before it is broadcast: `spends` are the outpoints (txid:vout) it takes. */
  | { readonly t: 'sweep'; readonly txid: string; readonly tx: string; readonly sats: string; readonly spends: readonly string[] }
  | { readonly t: 'sweep-final'; readonly txid: string }

export type PaymentOutcome =
  | { readonly status: 'sent'; readonly preimage: string; readonly feeMsat: bigint }
  | { readonly status: 'failed'; readonly reason: string }

export interface Sweep {
  readonly txid: string
  /** The signed transaction, hex: rebroadcast as it is until final, never rebuilt. */
  readonly tx: string
  /** What it pays to the sweep script. */
  readonly sats: bigint
  readonly spends: readonly string[]
  /** SWEEP_DEPTH confirmations seen. */
  final: boolean
}

/**
 * What LDK tells a node once and will not tell again after the ChannelManager or a monitor is
 * next written: payment outcomes (PaymentSent/PaymentFailed), claims (PaymentClaimed) and the
 * sweeps of SpendableOutputs. Each is appended (fsynced) while its event is handled, before the
 * write that marks the event handled, so a crash at any instant loses none; a replayed event finds
 * its record and changes nothing.
 */
export class NodeJournal {
  readonly #log: Journal<NodeRecord>
  readonly #outcomes = new Map<string, PaymentOutcome>()
  readonly #claimed = new Map<string, bigint>()
  readonly #sweeps = new Map<string, Sweep>()

  constructor(dataDir: string) {
    this.#log = openJournal(join(dataDir, 'journal.jsonl'))
    for (const record of this.#log.records) this.#apply(record)
  }

  outcome(hash: string): PaymentOutcome | undefined {
    return this.#outcomes.get(hash)
  }

  claimedMsat(hash: string): bigint | undefined {
    return this.#claimed.get(hash)
  }

  sweeps(): Sweep[] {
    return [...this.#sweeps.values()]
  }

  /** The recorded sweep that takes any of these outpoints, if one does. */
  sweepOf(spends: readonly string[]): Sweep | undefined {
    return this.sweeps().find((sweep) => sweep.spends.some((outpoint) => spends.includes(outpoint)))
  }

  sent(hash: string, preimage: string, feeMsat: bigint): void {
    if (this.#outcomes.has(hash)) return
    this.#add({ t: 'sent', hash, preimage, feeMsat: feeMsat.toString() })
  }

  failed(hash: string, reason: string): void {
    if (this.#outcomes.has(hash)) return
    this.#add({ t: 'failed', hash, reason })
  }

  claimed(hash: string, msat: bigint): void {
    if (this.#claimed.has(hash)) return
    this.#add({ t: 'claimed', hash, msat: msat.toString() })
  }

  sweep(sweep: Omit<Sweep, 'final'>): void {
    this.#add({ t: 'sweep', txid: sweep.txid, tx: sweep.tx, sats: sweep.sats.toString(), spends: sweep.spends })
  }

  final(txid: string): void {
    if (this.#sweeps.get(txid)?.final !== false) return
    this.#add({ t: 'sweep-final', txid })
  }

  close(): void {
    this.#log.close()
  }

  #add(record: NodeRecord): void {
    this.#log.append(record)
    this.#apply(record)
  }

  #apply(record: NodeRecord): void {
    switch (record.t) {
      case 'sent':
        this.#outcomes.set(record.hash, { status: 'sent', preimage: record.preimage, feeMsat: BigInt(record.feeMsat) })
        break
      case 'failed':
        this.#outcomes.set(record.hash, { status: 'failed', reason: record.reason })
        break
      case 'claimed':
        this.#claimed.set(record.hash, BigInt(record.msat))
        break
      case 'sweep':
        this.#sweeps.set(record.txid, { txid: record.txid, tx: record.tx, sats: BigInt(record.sats), spends: record.spends, final: false })
        break
      case 'sweep-final': {
        const sweep = this.#sweeps.get(record.txid)
        if (sweep !== undefined) sweep.final = true
        break
      }
    }
  }
}
