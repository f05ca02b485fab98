/** The smallest typed event emitter: `on`, `once`, `off`, `emit`, no inheritance from Node streams. */
export type Listener<Args extends unknown[]> = (...args: Args) => void

export class Emitter<Events extends { [event: string]: unknown[] }> {
  private readonly listeners = new Map<keyof Events, Array<(...args: never[]) => void>>()

  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    const list = this.listeners.get(event)
    if (list === undefined) this.listeners.set(event, [listener as unknown as (...args: never[]) => void])
    else list.push(listener as unknown as (...args: never[]) => void)
    this.listenerAdded(event)
    return this
  }

  once<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    const wrapper: Listener<Events[E]> = (...args) => {
      this.off(event, wrapper)
      listener(...args)
    }
    return this.on(event, wrapper)
  }

  off<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    const list = this.listeners.get(event)
    if (list === undefined) return this
    const at = list.indexOf(listener as unknown as (...args: never[]) => void)
    if (at !== -1) list.splice(at, 1)
    return this
  }

  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.length ?? 0
  }

  /** Calls each listener; one that throws does not stop the others or the protocol. */
  protected emit<E extends keyof Events>(event: E, ...args: Events[E]): void {
    const list = this.listeners.get(event)
    if (list === undefined || list.length === 0) return
    for (const listener of [...list]) {
      try {
        ;(listener as unknown as Listener<Events[E]>)(...args)
      } catch (error) {
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }

  /** Hook for subclasses: a listener was added for `event`. */
  protected listenerAdded(event: keyof Events): void {
    void event
  }
}
