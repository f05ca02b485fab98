/**
 * What the ledger must remember across a restart and the chain cannot tell it: which account id
 * has which key index, and which idempotency key made which transaction (with its signed bytes,
 * written before they are broadcast, so a crash between the two can be finished on reopening).
 * An append-only file of JSON lines, each written and fsynced before the call returns; or
 * nothing at all, without a path.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs'

export type JournalRecord =
  /** The first record: the height the ledger follows the chain from, and its seed's fingerprint. */
  | { readonly type: 'birth'; readonly height: number; readonly fingerprint: string }
  | { readonly type: 'account'; readonly id: string; readonly index: number }
  | {
      readonly type: 'transfer'
      readonly idempotencyKey: string
      readonly from: string
      readonly to: string
      /** Decimal satoshis (JSON has no bigint). */
      readonly amount: string
      readonly memo?: string
      readonly txid: string
      readonly hex: string
      readonly fee: string
      readonly createdAt: number
    }
  | { readonly type: 'refused'; readonly idempotencyKey: string }

export class Journal {
  readonly #fd: number | undefined
  readonly records: readonly JournalRecord[]

  constructor(path: string | undefined) {
    if (path === undefined) {
      this.records = []
      this.#fd = undefined
      return
    }
    const text = existsSync(path) ? readFileSync(path, 'utf8') : ''
    // Text after the last newline is a torn write, never acknowledged: cut it before appending.
    const complete = text.slice(0, text.lastIndexOf('\n') + 1)
    if (complete.length < text.length) truncateSync(path, Buffer.byteLength(complete))
    this.records = complete
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as JournalRecord)
    this.#fd = openSync(path, 'a')
  }

  append(record: JournalRecord): void {
    if (this.#fd === undefined) return
    writeSync(this.#fd, `${JSON.stringify(record)}\n`)
    fsyncSync(this.#fd)
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd)
  }
}
