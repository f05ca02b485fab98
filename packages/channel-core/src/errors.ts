/**
 * One class per failure a Link or Channel caller can meet, each with a fixed `name`, so
 * callers switch on `instanceof` or `name`, never on message text.
 */

/** The request got no answer before its deadline. */
export class LinkTimeoutError extends Error {
  override readonly name = 'LinkTimeoutError'
  constructor(readonly timeoutMs: number) {
    super(`no reply within ${timeoutMs} ms`)
  }
}

/** The caller's AbortSignal fired before the reply arrived. */
export class LinkAbortedError extends Error {
  override readonly name = 'LinkAbortedError'
  constructor(readonly reason?: unknown) {
    super('request aborted by the caller')
  }
}

/** The link is closed, or lost its connection while the request was in flight. */
export class LinkClosedError extends Error {
  override readonly name = 'LinkClosedError'
  constructor(message = 'link is closed') {
    super(message)
  }
}

/** The link is not connected (yet, or right now while it reconnects). */
export class LinkNotConnectedError extends Error {
  override readonly name = 'LinkNotConnectedError'
  constructor(readonly state: string) {
    super(`link is not connected (state: ${state})`)
  }
}

/**
 * Too many requests are in flight (or too many bytes are queued for the socket). The request
 * was not sent; the caller may retry later. This is the backpressure signal of a Link.
 */
export class LinkBusyError extends Error {
  override readonly name = 'LinkBusyError'
  constructor(readonly limit: number, readonly what: 'requests' | 'bytes' = 'requests') {
    super(`too many ${what} in flight (limit ${limit})`)
  }
}

/** The request or reply is larger than the link (or its peer) accepts. */
export class LinkPayloadTooLargeError extends Error {
  override readonly name = 'LinkPayloadTooLargeError'
  constructor(readonly size: number, readonly limit: number) {
    super(`payload of ${size} bytes exceeds the limit of ${limit} bytes`)
  }
}

/**
 * The peer answered, but with a link-level error instead of reply bytes (its handler failed,
 * it has no handler, it refused the request). `code` is the protocol's code (BTP error code
 * such as `T00`, or `HTTP 503`).
 */
export class LinkRemoteError extends Error {
  override readonly name = 'LinkRemoteError'
  constructor(readonly code: string, readonly remoteName: string, readonly detail: string) {
    super(`peer answered ${code} ${remoteName}${detail === '' ? '' : `: ${detail}`}`)
  }
}

/** A handler is already registered (plugin interface semantics: register once). */
export class HandlerAlreadyRegisteredError extends Error {
  override readonly name = 'HandlerAlreadyRegisteredError'
  constructor(readonly handler: 'data' | 'money') {
    super(`a ${handler} handler is already registered`)
  }
}

/** A value is out of range (amount not a UInt64, and so on). */
export class InvalidAmountError extends Error {
  override readonly name = 'InvalidAmountError'
  constructor(readonly field: string, readonly value: unknown) {
    super(`${field} is not a UInt64 amount: ${String(value)}`)
  }
}

/** Every error a `Link.request` can reject with. */
export type LinkRequestError =
  | LinkTimeoutError
  | LinkAbortedError
  | LinkClosedError
  | LinkNotConnectedError
  | LinkBusyError
  | LinkPayloadTooLargeError
  | LinkRemoteError

/** Value was sent through a plugin made from a Link alone, with no Channel to carry it. */
export class NoChannelError extends Error {
  override readonly name = 'NoChannelError'
  constructor() {
    super('this plugin has no channel: it cannot send money')
  }
}

/** A request arrived but no handler is registered to answer it. */
export class NoHandlerError extends Error {
  override readonly name = 'NoHandlerError'
  constructor(readonly handler: 'data' | 'money') {
    super(`no ${handler} handler is registered`)
  }
}
