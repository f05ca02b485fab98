import { IlpErrorCode, IlpPacketType, assertAddress, type IlpPrepare, type IlpReply, type PrepareHandler, type Asset } from '@stack/ilp-core'
import { expiredReject } from './core/receiver.js'
import { Connection, type ConnectionOptions } from './connection.js'
import { PacketSealer } from './core/packet-seal.js'
import { StreamErrorCode } from './wire/error-codes.js'
import { FrameType } from './wire/frames/frame-type.js'
import type { Frame } from './wire/frames/frame.js'
import type { StreamPacket } from './wire/packet.js'
import { Emitter } from './emitter.js'
import { fetchAccountDetails } from './account-details.js'
import { createConnectionToken, openConnectionToken } from './server-token.js'

/** Closed connections remembered, so that their Prepares are refused rather than reopen them. */
const MAX_CLOSED_CONNECTIONS = 100_000

export interface ServerOptions extends ConnectionOptions {
  /** 32 random bytes: every connection's shared secret derives from it (RFC 0029 §4.1). */
  serverSecret: Uint8Array
  /** Our ILP address; without it, learned by ILDCP (RFC 0031) through `sendPrepare`. */
  serverAddress?: string
  /** Our asset, sent to clients in ConnectionAssetDetails; learned by ILDCP when omitted. */
  assetDetails?: Asset
  /** How the server sends Prepares: ILDCP, and money or data to clients that gave their address. */
  sendPrepare?: PrepareHandler
}

export interface GenerateOptions {
  /** Attached to the address after `~`; identifies the connection to the application. */
  connectionTag?: string
  /** RFC 0039: with `receiptSecret`, the server puts receipts in its Fulfills. 16 bytes. */
  receiptNonce?: Uint8Array
  /** RFC 0039: 32 bytes, from the verifier; sealed inside the address, never in clear. */
  receiptSecret?: Uint8Array
}

export interface ConnectionDetails {
  destinationAccount: string
  sharedSecret: Uint8Array
  receiptsEnabled: boolean
}

export interface ServerEvents {
  [event: string]: unknown[]
  connection: [connection: Connection]
}

/**
 * A STREAM server: a PrepareHandler for Prepares to `serverAddress.*`. Connection details
 * are stateless (see server-token.ts); a connection exists from its first STREAM Prepare
 * until it closes, and is not reopened after (the last 100 000 closed are remembered).
 */
export class Server extends Emitter<ServerEvents> implements AsyncIterable<Connection> {
  readonly serverAddress: string
  readonly assetDetails: Asset | undefined
  private readonly serverSecret: Uint8Array
  private readonly sendPrepare: PrepareHandler | undefined
  private readonly options: ConnectionOptions
  private readonly connections = new Map<string, Connection>()
  /** Address segments of connections that closed: their Prepares are refused (tombstones). */
  private readonly closedConnections = new Set<string>()
  private readonly prefix: string
  private readonly pending: Connection[] = []
  private reader: (() => void) | undefined
  private closed = false

  /** @internal Use createServer. */
  constructor(options: ServerOptions & { serverAddress: string }) {
    super()
    if (!(options.serverSecret instanceof Uint8Array) || options.serverSecret.length !== 32) {
      throw new RangeError('serverSecret must be 32 bytes')
    }
    assertAddress(options.serverAddress)
    const { serverSecret, serverAddress, assetDetails, sendPrepare, ...rest } = options
    this.serverSecret = serverSecret
    this.serverAddress = serverAddress
    this.assetDetails = assetDetails
    this.sendPrepare = sendPrepare
    this.options = rest
    this.prefix = `${serverAddress}.`
  }

  /** Fresh connection details to hand to a client over an authenticated channel (RFC 0029 §4.1). */
  generateAddressAndSecret(options?: string | GenerateOptions): ConnectionDetails {
    const opts = typeof options === 'string' ? { connectionTag: options } : (options ?? {})
    if ((opts.receiptNonce === undefined) !== (opts.receiptSecret === undefined)) {
      throw new RangeError('receiptNonce and receiptSecret go together')
    }
    const receipt = opts.receiptNonce === undefined ? undefined : { nonce: opts.receiptNonce, secret: opts.receiptSecret as Uint8Array }
    const token = createConnectionToken(this.serverSecret, opts.connectionTag, receipt)
    return { destinationAccount: this.prefix + token.segment, sharedSecret: token.sharedSecret, receiptsEnabled: receipt !== undefined }
  }

  get connectionCount(): number {
    return this.connections.size
  }

  /** Incoming Prepares: a PrepareHandler for the ILP layer to call. */
  readonly handlePrepare: PrepareHandler = (prepare) => Promise.resolve(this.receive(prepare))

  /** @internal Synchronous form of handlePrepare. */
  receive(prepare: IlpPrepare): IlpReply {
    if (!prepare.destination.startsWith(this.prefix)) return this.reject(IlpErrorCode.F02_UNREACHABLE, 'not a server address')
    const rest = prepare.destination.slice(this.prefix.length)
    const dot = rest.indexOf('.')
    // RFC 0029 §4.2: segments after the connection's may be appended; they do not matter.
    const segment = dot === -1 ? rest : rest.slice(0, dot)
    const connection = this.connections.get(segment)
    if (connection !== undefined) return connection.receive(prepare)
    // RFC 0027: an expired Prepare opens nothing.
    if (prepare.expiresAt.getTime() <= Date.now()) return expiredReject(this.serverAddress)
    if (this.closed) return this.reject(IlpErrorCode.F99_APPLICATION_ERROR, 'server closed')
    const token = openConnectionToken(this.serverSecret, segment)
    if (token === undefined) return this.reject(IlpErrorCode.F06_UNEXPECTED_PAYMENT, 'unknown connection')
    const sealer = new PacketSealer(token.sharedSecret)
    let packet: StreamPacket
    try {
      // RFC 0029 §4.2: data that does not decrypt under the derived secret is not for us;
      // nor is data that decrypts but is no STREAM Prepare (§5.2): no connection for it.
      // Opened once: the new connection takes the packet and the keys.
      packet = sealer.openPrepare(prepare.data)
    } catch {
      return this.reject(IlpErrorCode.F06_UNEXPECTED_PAYMENT, 'not a STREAM packet of this connection')
    }
    if (packet.ilpPacketType !== IlpPacketType.Prepare) return this.reject(IlpErrorCode.F06_UNEXPECTED_PAYMENT, 'not a STREAM Prepare')
    if (this.closedConnections.has(segment)) {
      // A closed connection stays closed (the address and secret are stateless: without this
      // memory its next Prepare would open it again). RFC 0029 §5.3.1: tell the sender.
      const frames: Frame[] = [{ type: FrameType.ConnectionClose, errorCode: StreamErrorCode.NoError, errorMessage: 'connection closed' }]
      const data = sealer.sealReply(IlpPacketType.Reject, packet.sequence, prepare.amount, frames)
      return { type: IlpPacketType.Reject, code: IlpErrorCode.F99_APPLICATION_ERROR, triggeredBy: this.serverAddress, message: 'connection closed', data }
    }
    const created = new Connection(
      {
        ...this.options,
        role: 'server',
        sharedSecret: token.sharedSecret,
        sourceAccount: this.prefix + segment,
        assetDetails: this.assetDetails,
        receipt: token.receipt,
        sealer,
      },
      this.sendPrepare,
      { idleTimeout: this.options.idleTimeout, connectionTag: token.tag },
    )
    this.connections.set(segment, created)
    created.once('close', () => {
      if (this.connections.get(segment) === created) this.connections.delete(segment)
      this.closedConnections.add(segment)
      // Bounded: the oldest closed connections are forgotten first.
      if (this.closedConnections.size > MAX_CLOSED_CONNECTIONS) this.closedConnections.delete(this.closedConnections.values().next().value as string)
    })
    if (this.listenerCount('connection') > 0) this.emit('connection', created)
    else {
      this.pending.push(created)
      const reader = this.reader
      this.reader = undefined
      reader?.()
    }
    return created.receivePacket(prepare, packet)
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Connection> {
    for (;;) {
      const connection = this.pending.shift()
      if (connection !== undefined) {
        yield connection
        continue
      }
      if (this.closed) return
      await new Promise<void>((resolve) => (this.reader = resolve))
    }
  }

  /** Ends every connection; new ones are refused. */
  async close(): Promise<void> {
    this.closed = true
    const reader = this.reader
    this.reader = undefined
    reader?.()
    await Promise.all([...this.connections.values()].map((connection) => connection.end()))
  }

  private reject(code: string, message: string): IlpReply {
    return { type: IlpPacketType.Reject, code, triggeredBy: this.serverAddress, message, data: new Uint8Array(0) }
  }
}

/** Starts a STREAM server; asks ILDCP (RFC 0031) for the address (and asset) when no address is given. */
export async function createServer(options: ServerOptions): Promise<Server> {
  let { serverAddress, assetDetails } = options
  if (serverAddress === undefined) {
    if (options.sendPrepare === undefined) throw new RangeError('createServer needs serverAddress, or sendPrepare to ask ILDCP')
    const details = await fetchAccountDetails(options.sendPrepare)
    serverAddress = details.address
    assetDetails ??= details.asset
  }
  return new Server({ ...options, serverAddress, assetDetails })
}
