import { createServer, type RequestListener, type Server } from 'node:http'
import type { Socket } from 'node:net'

/**
 * Bounds on what a client that has not authenticated can hold of an HTTP listener (the BTP
 * WebSocket upgrade, ILP over HTTP): a slowloris that sends its headers or body a byte at a
 * time is cut off, and a crowd of sockets that never authenticate cannot take every file
 * descriptor. Node's own defaults (60 s for headers, 300 s per request, no cap) are far too long.
 */
export interface HttpBounds {
  /** Longest wait for a request's headers. Default 10 000 ms. */
  readonly headersTimeoutMs?: number
  /** Longest wait for a whole request, body included. Default 30 000 ms (at least headersTimeoutMs). */
  readonly requestTimeoutMs?: number
  /** Sockets open at once that have not authenticated; one more is closed on arrival. Default 1 000. */
  readonly maxUnauthenticated?: number
}

export interface BoundedHttpServer {
  readonly server: Server
  /** The socket carried an authenticated request (or WebSocket login): no longer counted. */
  authenticated(socket: Socket): void
  /** Sockets open now that have not authenticated. */
  readonly unauthenticated: number
}

export function boundedHttpServer(bounds: HttpBounds = {}, listener?: RequestListener): BoundedHttpServer {
  const headersTimeout = bounds.headersTimeoutMs ?? 10_000
  const requestTimeout = Math.max(bounds.requestTimeoutMs ?? 30_000, headersTimeout)
  const max = bounds.maxUnauthenticated ?? 1_000
  const server = createServer({
    keepAlive: true,
    headersTimeout,
    requestTimeout,
    // Node checks both timeouts on this interval (default 30 s): a shorter bound needs a shorter check.
    connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(headersTimeout / 2))),
  }, listener)
  const pending = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    if (pending.size >= max) {
      socket.destroy()
      return
    }
    pending.add(socket)
    socket.once('close', () => pending.delete(socket))
  })
  return {
    server,
    authenticated: (socket) => void pending.delete(socket),
    get unauthenticated() {
      return pending.size
    },
  }
}
