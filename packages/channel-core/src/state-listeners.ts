import type { LinkState, StateListener } from './link.js'

/** The state-change fan-out every Link needs; a listener that throws cannot break the link. */
export class StateListeners {
  readonly #listeners = new Set<StateListener>()

  add(listener: StateListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  emit(state: LinkState): void {
    for (const listener of this.#listeners) {
      try {
        listener(state)
      } catch {
        // A listener's failure is its own; the link's state machine goes on.
      }
    }
  }
}
