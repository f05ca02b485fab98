/**
 * Runs async tasks one after another, in the order given; a task that fails does not stop the
 * next. For whatever must never race: one account's transaction submissions (nonces), one
 * channel direction's cumulative claims.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve()

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task)
    this.#tail = result.catch(() => undefined)
    return result
  }
}
