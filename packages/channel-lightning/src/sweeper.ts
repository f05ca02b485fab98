import { Transaction } from 'bitcoinjs-lib'
import type { ChainSource } from './chain.js'
import { SWEEP_DEPTH, type NodeJournal, type Sweep } from './node-journal.js'

/**
 * The sweeps of the outputs LDK hands back (SpendableOutputs; it hands them once): each signed
 * sweep is journaled before it is broadcast, then broadcast again, the same bytes, at every start
 * and at each new block while the node knows it not, until it has SWEEP_DEPTH confirmations. Outputs a journaled sweep already
 * takes (a replayed event) are not swept again: nothing is swept twice, and none is forgotten.
 */
export class Sweeper {
  #checkedAt = -1

  constructor(
    readonly journal: NodeJournal,
    readonly chain: ChainSource,
    readonly sweepScript: Uint8Array,
    /** Sends a transaction to the chain's node, reporting a failure in the background. */
    readonly broadcast: (tx: Uint8Array, then?: (txid: string) => void) => void
  ) {}

  /** Journals and broadcasts the sweep `tx` LDK signed, unless its outputs are swept already; `then` hears the txid once the node took it. */
  sweep(tx: Uint8Array, then: (txid: string) => void): void {
    const parsed = Transaction.fromBuffer(Buffer.from(tx))
    const spends = parsed.ins.map((input) => `${Buffer.from(input.hash).reverse().toString('hex')}:${input.index}`)
    if (this.journal.sweepOf(spends) !== undefined) return
    const sats = parsed.outs.filter((o) => Buffer.from(o.script).equals(Buffer.from(this.sweepScript))).reduce((sum, o) => sum + o.value, 0n)
    this.journal.sweep({ txid: parsed.getId(), tx: parsed.toHex(), sats, spends })
    this.broadcast(tx, then)
  }

  /** At a new tip: marks deep sweeps final, broadcasts the others again (a node that lost them, a restart). */
  async check(height: number): Promise<void> {
    if (height === this.#checkedAt) return
    this.#checkedAt = height
    for (const sweep of this.pending()) {
      // -1: the node does not know it (not mined, not in its mempool).
      const confirmations = await this.chain.getRawTransaction(sweep.txid).then((tx) => tx.confirmations, () => -1)
      if (confirmations >= SWEEP_DEPTH) this.journal.final(sweep.txid)
      else if (confirmations < 0) this.broadcast(Buffer.from(sweep.tx, 'hex'))
    }
  }

  pending(): Sweep[] {
    return this.journal.sweeps().filter((sweep) => !sweep.final)
  }
}
