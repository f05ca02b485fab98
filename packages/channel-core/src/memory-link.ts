import { copyBytes } from './bytes.js'
import { LinkBusyError, LinkClosedError, LinkNotConnectedError, LinkRemoteError, NoHandlerError } from './errors.js'
import type { Link, LinkState, RequestHandler, RequestOptions, StateListener } from './link.js'
import { withDeadline } from './request-deadline.js'
import { StateListeners } from './state-listeners.js'

export interface MemoryLinkOptions {
  /** Default deadline of a request. Default 30 000 ms. */
  readonly timeoutMs?: number
  /** Requests in flight per side before `LinkBusyError`. Default 10 000. */
  readonly maxInFlight?: number
}

/**
 * Two Links joined in memory: what one sends, the other's handler answers. For tests of the
 * layers above, and as the reference the compliance suite is checked against.
 */
export function createMemoryLinkPair(options: MemoryLinkOptions = {}): [Link, Link] {
  const a = new MemoryLink(options.timeoutMs ?? 30_000, options.maxInFlight ?? 10_000)
  const b = new MemoryLink(options.timeoutMs ?? 30_000, options.maxInFlight ?? 10_000)
  a.peer = b
  b.peer = a
  return [a, b]
}

class MemoryLink implements Link {
  peer: MemoryLink | undefined
  #state: LinkState = 'idle'
  #inFlight = 0
  #handler: RequestHandler | undefined
  #closing = new AbortController()
  readonly #pending = new Set<(error: Error) => void>()
  readonly #listeners = new StateListeners()

  constructor(private readonly timeoutMs: number, private readonly maxInFlight: number) {}

  get state(): LinkState {
    return this.#state
  }

  async connect(): Promise<void> {
    if (this.#state === 'closed') throw new LinkClosedError()
    this.#setState('connected')
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return
    this.#setState('closed')
    this.#closing.abort(new LinkClosedError())
    for (const reject of this.#pending) reject(new LinkClosedError())
  }

  async request(data: Uint8Array, options: RequestOptions = {}): Promise<Uint8Array> {
    if (this.#state === 'closed') throw new LinkClosedError()
    const peer = this.peer
    if (this.#state !== 'connected' || peer === undefined || peer.#state !== 'connected') {
      throw new LinkNotConnectedError(this.#state)
    }
    if (this.#inFlight >= this.maxInFlight) throw new LinkBusyError(this.maxInFlight)
    this.#inFlight++
    // One entry per request in a set, not a listener on the closing signal: thousands in
    // flight must not pile listeners (or reactions on one shared promise) onto the link.
    const { promise: closed, reject: onClose } = rejectable()
    this.#pending.add(onClose)
    try {
      // Copy, as a socket would: neither side may see the other mutate its bytes.
      const reply = peer.#answer(copyBytes(data))
      return await withDeadline(Promise.race([reply, closed]), options.timeoutMs ?? this.timeoutMs, options.signal)
    } finally {
      this.#pending.delete(onClose)
      this.#inFlight--
    }
  }

  async #answer(data: Uint8Array): Promise<Uint8Array> {
    await Promise.resolve()
    const handler = this.#handler
    if (handler === undefined) throw new LinkRemoteError('T00', 'UnreachableError', new NoHandlerError('data').message)
    try {
      return copyBytes(await handler(data, { signal: this.#closing.signal }))
    } catch (error) {
      throw new LinkRemoteError('T00', 'UnreachableError', error instanceof Error ? error.message : String(error))
    }
  }

  setRequestHandler(handler: RequestHandler | undefined): void {
    this.#handler = handler
  }

  onStateChange(listener: StateListener): () => void {
    return this.#listeners.add(listener)
  }

  #setState(state: LinkState): void {
    if (state === this.#state) return
    this.#state = state
    this.#listeners.emit(state)
  }
}

/** A promise that only ever rejects, with the function that rejects it. */
function rejectable(): { promise: Promise<never>; reject: (error: Error) => void } {
  let reject: (error: Error) => void = () => undefined
  const promise = new Promise<never>((_resolve, rejectPromise) => {
    reject = rejectPromise
  })
  return { promise, reject }
}
