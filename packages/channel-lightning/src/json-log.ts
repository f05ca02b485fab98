import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs'
import { StateReadError } from './errors.js'

/**
 * An append-only file of JSON lines: each record is written and fsynced before `append` returns,
 * so what a caller did after appending survives a crash. Text after the last newline is a torn
 * write that was never acknowledged: it is cut when the file is opened.
 */
export class JsonLog<T> {
  readonly #fd: number
  readonly records: readonly T[]

  constructor(readonly path: string) {
    const text = existsSync(path) ? readFileSync(path, 'utf8') : ''
    const complete = text.slice(0, text.lastIndexOf('\n') + 1)
    if (complete.length < text.length) truncateSync(path, Buffer.byteLength(complete))
    this.records = complete
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line, index) => {
        try {
          return JSON.parse(line) as T
        } catch {
          throw new StateReadError(path, `line ${index + 1} is not JSON`)
        }
      })
    this.#fd = openSync(path, 'a', 0o600)
  }

  append(record: T): void {
    writeSync(this.#fd, `${JSON.stringify(record)}\n`)
    fsyncSync(this.#fd)
  }

  close(): void {
    closeSync(this.#fd)
  }
}
