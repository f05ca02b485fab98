/** What the idle timer watches. */
export interface IdleWatch {
  /** When a packet last went either way and was read. */
  lastActive(): number
  closed(): boolean
  /** The application awaits something of the connection. */
  awaited(): boolean
  /** Nothing for `idleFor` ms, the timeout or more: close. */
  idle(idleFor: number): void
}

/**
 * A connection's idle timeout (0 disables it). While the application awaits something of the
 * connection, the timer keeps the process alive, so that the wait ends (at the idle timeout at
 * the latest) rather than the process exiting with the promise never settled. Otherwise it
 * lets the process exit.
 */
export class IdleTimer {
  private timer: ReturnType<typeof setTimeout> | undefined
  private readonly timeout: number
  private readonly watch: IdleWatch

  constructor(timeout: number, watch: IdleWatch) {
    this.timeout = timeout
    this.watch = watch
  }

  start(): void {
    if (this.timeout <= 0) return
    const check = (): void => {
      if (this.watch.closed()) return
      const idleFor = Date.now() - this.watch.lastActive()
      if (idleFor >= this.timeout) {
        this.watch.idle(idleFor)
        return
      }
      this.timer = setTimeout(check, this.timeout - idleFor)
      this.holdOpen()
    }
    this.timer = setTimeout(check, this.timeout)
    this.holdOpen()
  }

  /** Holds the process open while the application awaits the connection; lets it exit otherwise. */
  holdOpen(): void {
    if (this.watch.awaited()) this.timer?.ref?.()
    else this.timer?.unref?.()
  }

  stop(): void {
    clearTimeout(this.timer)
  }
}
