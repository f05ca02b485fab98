/**
 * What ILP (layer 3) asks of the layer below for packets: carry opaque bytes to the peer and
 * bring back the peer's reply bytes. A Link never parses what it carries (ARCHITECTURE.md).
 */

export type LinkState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed'

export interface RequestOptions {
  /** Give up after this many milliseconds (the link's default applies when absent). */
  readonly timeoutMs?: number
  /** Cancel the wait for the reply; the request rejects with `LinkAbortedError`. */
  readonly signal?: AbortSignal
}

export interface IncomingRequestContext {
  /** Fires when the link closes or loses the connection the request came on. */
  readonly signal: AbortSignal
}

/**
 * Answers one request from the peer. Throwing (or rejecting) sends the protocol's error
 * answer to the peer (BTP ERROR, HTTP 5xx); it never takes the link down.
 */
export type RequestHandler = (
  data: Uint8Array,
  context: IncomingRequestContext
) => Uint8Array | Promise<Uint8Array>

export type StateListener = (state: LinkState) => void

export interface Link {
  readonly state: LinkState
  /** Resolves once the link can carry requests (after authentication where there is one). */
  connect(): Promise<void>
  /** Rejects every request in flight with `LinkClosedError` and releases the socket. */
  close(): Promise<void>
  /**
   * Sends `data` and resolves with the peer's reply. Rejects with one of `LinkRequestError`;
   * in particular with `LinkBusyError`, without sending, when the in-flight bound is reached.
   */
  request(data: Uint8Array, options?: RequestOptions): Promise<Uint8Array>
  /** One handler for requests from the peer; `undefined` removes it. */
  setRequestHandler(handler: RequestHandler | undefined): void
  /** Calls `listener` on every state change; returns the function that unsubscribes. */
  onStateChange(listener: StateListener): () => void
}
