/** Items that arrive before anyone reads them, for one async reader at a time. */
export class Arrivals<T> {
  private readonly queue: T[] = []
  private reader: (() => void) | undefined

  /** A reader waits for the next item. */
  get waiting(): boolean {
    return this.reader !== undefined
  }

  push(item: T): void {
    this.queue.push(item)
    this.wake()
  }

  /** Ends the reader's wait: an item came, or nothing more will. */
  wake(): void {
    const reader = this.reader
    this.reader = undefined
    reader?.()
  }

  /** Yields the items as they come until `ended()`; `onWait` runs as the reader starts to wait. */
  async *read(ended: () => boolean, onWait: () => void): AsyncGenerator<T> {
    for (;;) {
      const item = this.queue.shift()
      if (item !== undefined) {
        yield item
        continue
      }
      if (ended()) return
      const next = new Promise<void>((resolve) => (this.reader = resolve))
      onWait()
      await next
    }
  }
}
