/**
 * Group commit: ops submitted while earlier batches are out wait and go together, as one
 * batch (one transaction, one script, one fsync), at most `maxInFlight` batches at a time and
 * `maxBatch` ops each. An idle store gets each op at once; a busy one gets them by the hundred,
 * so the round trips per op fall as the load rises.
 */
interface Waiting<Op, Result> {
  readonly op: Op
  resolve(result: Result): void
  reject(error: unknown): void
}

export class Batcher<Op, Result> {
  readonly #run: (ops: Op[]) => Promise<Result[]>
  readonly #maxBatch: number
  readonly #maxInFlight: number
  #queue: Waiting<Op, Result>[] = []
  #inFlight = 0
  #scheduled = false
  /** Batches and ops sent so far (the bench reads ops per batch). */
  readonly stats = { batches: 0, ops: 0 }

  constructor(run: (ops: Op[]) => Promise<Result[]>, options: { maxBatch: number; maxInFlight: number }) {
    this.#run = run
    this.#maxBatch = options.maxBatch
    this.#maxInFlight = options.maxInFlight
  }

  submit(op: Op): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ op, resolve, reject })
      this.#schedule()
    })
  }

  // After this turn's I/O callbacks: the ops they submit go in the same batch.
  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= this.#maxInFlight || this.#queue.length === 0) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      while (this.#inFlight < this.#maxInFlight && this.#queue.length > 0) this.#send(this.#queue.splice(0, this.#maxBatch))
    })
  }

  #send(batch: Waiting<Op, Result>[]): void {
    this.#inFlight++
    this.stats.batches++
    this.stats.ops += batch.length
    let sent: Promise<Result[]>
    try {
      sent = this.#run(batch.map((entry) => entry.op))
    } catch (error) {
      sent = Promise.reject(error)
    }
    sent
      .then(
        (results) => batch.forEach((entry, i) => entry.resolve(results[i] as Result)),
        (error: unknown) => batch.forEach((entry) => entry.reject(error)),
      )
      .finally(() => {
        this.#inFlight--
        this.#schedule()
      })
  }
}
