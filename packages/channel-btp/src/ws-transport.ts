import type { Socket } from 'node:net'
import type WebSocket from 'ws'
import type { FrameTransport } from './btp-session.js'

/**
 * A WebSocket as the session's frame transport: one binary message per BTP packet.
 *
 * Frames sent in one burst of synchronous code and the promise reactions it sets off leave in
 * one write: the first `send` corks the TCP socket and the next tick uncorks it (ticks run
 * once the microtask queue drains). With many requests in flight this turns a syscall per
 * frame into one per burst; one at a time it adds no wait. (Measured in bench/: corking only
 * above some number in flight was no faster at 16 and slower at 1.) `ws` keeps its socket in `_socket`; if that
 * ever goes away, frames are simply written one by one.
 */
export function wsTransport(ws: WebSocket): FrameTransport {
  const socket = (ws as unknown as { _socket?: Socket })._socket
  let corked = false
  const uncork = (): void => {
    corked = false
    socket?.uncork()
  }
  return {
    send(frame) {
      if (!corked && socket !== undefined && typeof socket.cork === 'function') {
        corked = true
        socket.cork()
        process.nextTick(uncork)
      }
      ws.send(frame)
    },
    get bufferedAmount() {
      return ws.bufferedAmount
    }
  }
}

/** The bytes of a `ws` message, whatever shape `ws` delivered them in. */
export function messageBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data)
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return data
}
