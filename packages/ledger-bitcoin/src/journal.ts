/**
 * An append-only file of JSON lines, for what a process must remember across a crash: the
 * ledger's records below, and (through this package's exports) channel-lightning's journals.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { JournalReadError } from './errors.js'

/**
 * What the ledger must remember across a restart and the chain cannot tell it: which account id
 * has which key index, and which idempotency key made which transaction (with its signed bytes,
 * written before they are broadcast, so a crash between the two can be finished on reopening).
 */
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

/**
 * Each record is written and fsynced before `append` returns, so what a caller does after
 * appending survives a crash. Text after the last newline is a torn write that was never
 * acknowledged: it is cut when the file is opened. A complete line that is not JSON is
 * `JournalReadError`. Without a path it keeps nothing (a ledger with no state file).
 */
export class Journal<T> {
  readonly #fd: number | undefined
  readonly records: readonly T[]

  constructor(readonly path: string | undefined) {
    if (path === undefined) {
      this.records = []
      this.#fd = undefined
      return
    }
    const created = !existsSync(path)
    const text = created ? '' : readFileSync(path, 'utf8')
    const complete = text.slice(0, text.lastIndexOf('\n') + 1)
    this.records = complete
      .split('\n')
      .slice(0, -1)
      .flatMap((line, index) => {
        if (line.length === 0) return []
        try {
          return [JSON.parse(line) as T]
        } catch (error) {
          throw new JournalReadError(path, index + 1, error)
        }
      })
    // Cut only once every line read: a refused file is left as it was.
    if (complete.length < text.length) truncateSync(path, Buffer.byteLength(complete))
    this.#fd = openSync(path, 'a', 0o600)
    // A new file's name is in its directory: fsynced too, or a crash could lose the whole file.
    if (created) fsyncDirectory(dirname(path))
  }

  append(record: T): void {
    if (this.#fd === undefined) return
    writeSync(this.#fd, `${JSON.stringify(record)}\n`)
    fsyncSync(this.#fd)
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd)
  }
}

function fsyncDirectory(path: string): void {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
