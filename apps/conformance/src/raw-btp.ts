import { BtpType, ContentType, decodeBtpFrame, encodeBtpFrame, type BtpFrame } from '@stack/channel-btp'
import WebSocket from 'ws'
import type { Budget } from './budget.js'

/** What came back on a raw BTP socket: a frame, bytes that do not decode, the socket closing, or nothing in time. */
export type RawAnswer =
  | { kind: 'frame'; frame: BtpFrame }
  | { kind: 'undecodable'; bytes: Uint8Array }
  | { kind: 'closed'; code: number }
  | { kind: 'timeout' }

/**
 * A WebSocket to the node with BTP frames written by hand: for what a well-behaved client never
 * sends (a wrong token, no auth, oversized or garbage frames). Every frame sent counts as a packet.
 */
export class RawBtp {
  readonly #queue: RawAnswer[] = []
  readonly #waiters: ((answer: RawAnswer) => void)[] = []

  private constructor(
    private readonly ws: WebSocket,
    private readonly budget: Budget,
  ) {
    ws.on('message', (data: Buffer) => {
      try {
        this.#push({ kind: 'frame', frame: decodeBtpFrame(data) })
      } catch {
        this.#push({ kind: 'undecodable', bytes: data })
      }
    })
    ws.on('close', (code) => this.#push({ kind: 'closed', code }))
  }

  /** Opens `btp+ws://user:token@host:port` as a plain WebSocket (no auth sent). */
  static async open(url: string, budget: Budget): Promise<RawBtp> {
    const parsed = new URL(url)
    const ws = new WebSocket(`${parsed.protocol === 'btp+wss:' ? 'wss' : 'ws'}://${parsed.host}${parsed.pathname}`, { maxPayload: 1 << 20 })
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    ws.on('error', () => undefined)
    return new RawBtp(ws, budget)
  }

  send(bytes: Uint8Array): void {
    this.budget.packet()
    this.ws.send(bytes)
  }

  /** The next thing the node sent (answers after a close are still 'closed'). */
  next(timeoutMs: number): Promise<RawAnswer> {
    const queued = this.#queue.shift()
    if (queued !== undefined) return Promise.resolve(queued.kind === 'closed' ? (this.#queue.unshift(queued), queued) : queued)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1)
        resolve({ kind: 'timeout' })
      }, timeoutMs)
      const waiter = (answer: RawAnswer): void => {
        clearTimeout(timer)
        resolve(answer)
      }
      this.#waiters.push(waiter)
    })
  }

  close(): void {
    this.ws.terminate()
  }

  #push(answer: RawAnswer): void {
    const waiter = this.#waiters.shift()
    if (waiter !== undefined) waiter(answer)
    else this.#queue.push(answer)
  }
}

const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8')

/** RFC 0023 §Authentication: primary `auth` (empty), then `auth_username` and `auth_token`. */
export function authFrame(requestId: number, username: string, token: string): Uint8Array {
  return encodeBtpFrame({
    type: BtpType.Message,
    requestId,
    protocolData: [
      { protocolName: 'auth', contentType: ContentType.ApplicationOctetStream, data: new Uint8Array(0) },
      { protocolName: 'auth_username', contentType: ContentType.TextPlainUtf8, data: utf8(username) },
      { protocolName: 'auth_token', contentType: ContentType.TextPlainUtf8, data: utf8(token) },
    ],
  })
}

/** A MESSAGE carrying `ilp` bytes. */
export function ilpMessage(requestId: number, ilp: Uint8Array): Uint8Array {
  return encodeBtpFrame({ type: BtpType.Message, requestId, protocolData: [{ protocolName: 'ilp', contentType: ContentType.ApplicationOctetStream, data: ilp }] })
}

export function describeAnswer(answer: RawAnswer): string {
  switch (answer.kind) {
    case 'frame': {
      const f = answer.frame
      if (f.type === BtpType.Error) return `BTP Error requestId=${f.requestId} code=${f.code} name=${f.name} triggeredAt=${f.triggeredAt} data=${JSON.stringify(Buffer.from(f.data).toString('utf8').slice(0, 120))}`
      const names = f.protocolData.map((p) => p.protocolName).join(',')
      return `BTP ${f.type === BtpType.Response ? 'Response' : f.type === BtpType.Message ? 'Message' : 'Transfer'} requestId=${f.requestId} protocolData=[${names}]`
    }
    case 'undecodable':
      return `${answer.bytes.length} bytes that are not a BTP frame`
    case 'closed':
      return `socket closed (code ${answer.code})`
    case 'timeout':
      return 'nothing (timed out)'
  }
}
