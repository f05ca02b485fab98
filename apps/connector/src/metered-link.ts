import type { Link, LinkState, RequestHandler, RequestOptions, StateListener } from '@stack/channel-core'

/**
 * A Link wrapper on the incoming side of a peer: times each request the peer makes until its
 * answer (the latency histogram), counts the requests in flight (a graceful shutdown waits for
 * them), and, once the node is draining, answers new requests at once with `drainingReply()`.
 * Everything else passes straight through.
 */

export interface IncomingGate {
  /** Set when the node stops: new requests get `drainingReply()` instead of the handler. */
  draining: boolean
  drainingReply(): Uint8Array
  /** Called with the time a request took and its reply (undefined when the handler threw). */
  observe(seconds: number, reply: Uint8Array | undefined): void
  /** Requests being handled now, across all links. */
  inFlight: number
  /** Called when inFlight drops to 0. */
  onIdle: (() => void) | undefined
}

export function createGate(drainingReply: () => Uint8Array, observe: IncomingGate['observe']): IncomingGate {
  return { draining: false, drainingReply, observe, inFlight: 0, onIdle: undefined }
}

export class MeteredLink implements Link {
  constructor(readonly inner: Link, private readonly gate: IncomingGate) {}

  get state(): LinkState {
    return this.inner.state
  }

  connect(): Promise<void> {
    return this.inner.connect()
  }

  close(): Promise<void> {
    return this.inner.close()
  }

  request(data: Uint8Array, options?: RequestOptions): Promise<Uint8Array> {
    return this.inner.request(data, options)
  }

  onStateChange(listener: StateListener): () => void {
    return this.inner.onStateChange(listener)
  }

  setRequestHandler(handler: RequestHandler | undefined): void {
    if (handler === undefined) {
      this.inner.setRequestHandler(undefined)
      return
    }
    const gate = this.gate
    const done = (start: number, reply: Uint8Array | undefined): void => {
      gate.observe((performance.now() - start) / 1000, reply)
      if (--gate.inFlight === 0) gate.onIdle?.()
    }
    this.inner.setRequestHandler((data, context) => {
      if (gate.draining) return gate.drainingReply()
      const start = performance.now()
      gate.inFlight++
      let result: Uint8Array | Promise<Uint8Array>
      try {
        result = handler(data, context)
      } catch (error) {
        done(start, undefined)
        throw error
      }
      if (!(result instanceof Promise)) {
        done(start, result)
        return result
      }
      return result.then(
        (reply) => {
          done(start, reply)
          return reply
        },
        (error: unknown) => {
          done(start, undefined)
          throw error
        },
      )
    })
  }
}
