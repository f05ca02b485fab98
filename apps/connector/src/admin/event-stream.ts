import type { ServerResponse } from 'node:http'
import type { NodeEvent, NodeEvents } from '@stack/ilp-connector'
import { bigintReplacer } from '../logger.js'

/**
 * `GET /events`: the node's events (ilp-connector events.ts) as Server-Sent Events (WHATWG HTML
 * §9.2): one `event: <type>` and one `data: <JSON>` line per event, amounts as strings of
 * digits, `id` counting from 1 per connection. SSE rather than WebSocket: one-way, plain HTTP
 * (the same bearer token, curl and EventSource read it), nothing to parse from the client.
 *
 * A client that reads slower than events come is dropped once more than `maxBufferedBytes` wait
 * for its socket: its memory stays bounded, and it may reconnect. A comment line every
 * `heartbeatMs` keeps proxies from closing an idle stream.
 */

export interface EventStreamOptions {
  maxBufferedBytes?: number
  heartbeatMs?: number
  onDropped?: (buffered: number) => void
}

export const EVENT_STREAM_DEFAULTS = { maxBufferedBytes: 1 << 20, heartbeatMs: 15_000 } as const

export function serveEvents(res: ServerResponse, events: NodeEvents, options: EventStreamOptions = {}): void {
  const maxBuffered = options.maxBufferedBytes ?? EVENT_STREAM_DEFAULTS.maxBufferedBytes
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' })
  res.write(': stack connector events\n\n')
  let id = 0
  const write = (text: string): void => {
    if (res.destroyed) return
    // writableLength: what the socket has not taken yet, this client's whole buffer.
    if (res.writableLength > maxBuffered) {
      options.onDropped?.(res.writableLength)
      res.destroy()
      return
    }
    res.write(text)
  }
  const unsubscribe = events.subscribe((event: NodeEvent) => write(`id: ${++id}\nevent: ${event.type}\ndata: ${JSON.stringify(event, bigintReplacer)}\n\n`))
  const heartbeat = setInterval(() => write(': heartbeat\n\n'), options.heartbeatMs ?? EVENT_STREAM_DEFAULTS.heartbeatMs)
  heartbeat.unref()
  res.once('close', () => {
    unsubscribe()
    clearInterval(heartbeat)
  })
}
