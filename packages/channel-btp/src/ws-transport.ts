import { randomFillSync } from 'node:crypto'
import type { Socket } from 'node:net'
import WebSocket from 'ws'
import type { FrameTransport } from './session-contract.js'

/** A frame transport that can be made to write what it holds now (before a close frame). */
export interface WsFrameTransport extends FrameTransport {
  flush(): void
}

/**
 * A WebSocket as the session's frame transport: one binary message per BTP packet.
 *
 * The messages sent in one burst of synchronous code and the promise reactions it sets off are
 * framed here (RFC 6455 §5.2) into one buffer and leave in one socket write at the next tick
 * (ticks run once the microtask queue drains): with many requests in flight, one syscall per
 * burst; one at a time, no wait. This skips `ws`'s sender, which per message builds option
 * objects, a header buffer and two socket writes (a tenth of a connector's time, measured in
 * apps/connector/bench). Everything else — reading, control frames, closing — stays with `ws`;
 * its messages are complete, never fragmented, so a control frame may go between two of ours.
 * `flush` must run before `ws.close()`, for what was sent before to leave before the close
 * frame. `ws` keeps its socket in `_socket`; if that ever goes away, messages go through `ws`.
 */
export function wsTransport(ws: WebSocket, options: { mask: boolean }): WsFrameTransport {
  const socket = (ws as unknown as { _socket?: Socket })._socket
  if (socket === undefined) {
    return {
      send: (frame) => ws.send(frame),
      get bufferedAmount() {
        return ws.bufferedAmount
      },
      flush() {}
    }
  }
  const mask = options.mask
  let queue: Uint8Array[] = []
  let queuedBytes = 0
  const flush = (): void => {
    if (queue.length === 0) return
    const frames = queue
    const size = queuedBytes
    queue = []
    queuedBytes = 0
    // After the close frame nothing more may be sent (RFC 6455 §5.5.1).
    if (ws.readyState !== WebSocket.OPEN) return
    const out = Buffer.allocUnsafe(size)
    let at = 0
    for (const frame of frames) at = writeMessage(out, at, frame, mask)
    socket.write(out)
  }
  return {
    send(frame) {
      if (queue.length === 0) process.nextTick(flush)
      queue.push(frame)
      queuedBytes += headerSize(frame.length, mask) + frame.length
    },
    get bufferedAmount() {
      return ws.bufferedAmount + queuedBytes
    },
    flush
  }
}

function headerSize(length: number, mask: boolean): number {
  return (length < 126 ? 2 : length <= 0xffff ? 4 : 10) + (mask ? 4 : 0)
}

// Masking keys come from the system's random source (RFC 6455 §5.3: unpredictable), drawn
// from a pool refilled as a whole, as `ws` itself does.
const POOL_SIZE = 8 * 1024
const pool = Buffer.allocUnsafe(POOL_SIZE)
let poolAt = POOL_SIZE

/** Writes `payload` as one unfragmented binary message (FIN, opcode 2) at `at`; returns the end. */
function writeMessage(out: Buffer, at: number, payload: Uint8Array, mask: boolean): number {
  const length = payload.length
  out[at++] = 0x82
  const maskBit = mask ? 0x80 : 0
  if (length < 126) {
    out[at++] = maskBit | length
  } else if (length <= 0xffff) {
    out[at++] = maskBit | 126
    out[at++] = length >>> 8
    out[at++] = length & 0xff
  } else {
    out[at++] = maskBit | 127
    out.writeUIntBE(0, at, 2)
    out.writeUIntBE(length, at + 2, 6)
    at += 8
  }
  if (!mask) {
    out.set(payload, at)
    return at + length
  }
  if (poolAt === POOL_SIZE) {
    randomFillSync(pool)
    poolAt = 0
  }
  const k0 = (out[at++] = pool[poolAt++] as number)
  const k1 = (out[at++] = pool[poolAt++] as number)
  const k2 = (out[at++] = pool[poolAt++] as number)
  const k3 = (out[at++] = pool[poolAt++] as number)
  let i = 0
  for (; i + 4 <= length; i += 4) {
    out[at++] = (payload[i] as number) ^ k0
    out[at++] = (payload[i + 1] as number) ^ k1
    out[at++] = (payload[i + 2] as number) ^ k2
    out[at++] = (payload[i + 3] as number) ^ k3
  }
  if (i < length) out[at++] = (payload[i++] as number) ^ k0
  if (i < length) out[at++] = (payload[i++] as number) ^ k1
  if (i < length) out[at++] = (payload[i] as number) ^ k2
  return at
}

/** The bytes of a `ws` message, whatever shape `ws` delivered them in. */
export function messageBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data)
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return data
}
