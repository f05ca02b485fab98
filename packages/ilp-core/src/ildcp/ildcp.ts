import { Writer } from 'oer-utils'
import { asBuffer } from '../packet/bytes.js'
import { InvalidFieldError } from '../packet/codec-errors.js'
import { verifyFulfillment } from '../condition.js'
import { PEER_PROTOCOL_CONDITION, PEER_PROTOCOL_FULFILLMENT } from '../peer-protocol.js'
import { IlpErrorCode } from '../error-codes.js'
import { FieldReader } from '../packet/field-reader.js'
import { IlpError, reject } from '../ilp-error.js'
import { isValidAddress } from '../address.js'
import { IlpPacketType, type IlpPrepare, type IlpReply, type PrepareHandler } from '../packet/packet.js'

/** RFC 0031 §"Packet": requests go to this address, bilateral by the `peer.` scheme. */
export const ILDCP_DESTINATION = 'peer.config'

/** What a parent tells its child (RFC 0031 `DynamicConfigurationResponseData`). */
export interface IldcpInfo {
  clientAddress: string
  /** UInt8: amounts between the two nodes are in units of 10^-assetScale. */
  assetScale: number
  assetCode: string
}

/** The Fulfill's data: clientAddress (var IA5), assetScale (UInt8), assetCode (var UTF-8). */
export function encodeIldcpInfo({ clientAddress, assetScale, assetCode }: IldcpInfo): Uint8Array {
  if (!isValidAddress(clientAddress)) {
    throw new InvalidFieldError('ildcp.clientAddress', `"${clientAddress}" is not a valid ILP address`)
  }
  if (!Number.isInteger(assetScale) || assetScale < 0 || assetScale > 255) {
    throw new InvalidFieldError('ildcp.assetScale', `${assetScale} is not a UInt8`)
  }
  const code = Buffer.from(assetCode, 'utf8')
  const writer = new Writer(clientAddress.length + code.length + 7)
  writer.writeVarOctetString(Buffer.from(clientAddress, 'latin1'))
  writer.writeUInt8(assetScale)
  writer.writeVarOctetString(code)
  return writer.getBuffer()
}

export function decodeIldcpInfo(data: Uint8Array): IldcpInfo {
  const reader = new FieldReader(data)
  const clientAddress = reader.varLatin1('ildcp.clientAddress')
  if (!isValidAddress(clientAddress)) {
    throw new InvalidFieldError('ildcp.clientAddress', `"${clientAddress}" is not a valid ILP address`)
  }
  const assetScale = reader.uint8('ildcp.assetScale')
  const assetCode = reader.varUtf8('ildcp.assetCode')
  reader.end('ildcp')
  return { clientAddress, assetScale, assetCode }
}

/** The request Prepare: amount 0, the fixed condition, empty data (RFC 0031 §"Packet"). */
export function ildcpRequest(expiresAt = new Date(Date.now() + 60_000)): IlpPrepare {
  return {
    amount: 0n,
    expiresAt,
    executionCondition: PEER_PROTOCOL_CONDITION,
    destination: ILDCP_DESTINATION,
    data: new Uint8Array(0),
  }
}

/**
 * Asks the parent for this node's address, asset code and scale, through `send` (the Prepare
 * goes to the parent). A Reject from the parent is thrown as its IlpError; a Fulfill that is
 * not ILDCP's as a codec error.
 */
export async function ildcpFetch(send: PrepareHandler, options: { expiresAt?: Date } = {}): Promise<IldcpInfo> {
  const reply = await send(ildcpRequest(options.expiresAt))
  if (reply.type === IlpPacketType.Reject) throw IlpError.fromReject(reply)
  if (!verifyFulfillment(reply.fulfillment, PEER_PROTOCOL_CONDITION)) {
    throw new InvalidFieldError('fulfill.fulfillment', 'does not match the ILDCP condition')
  }
  return decodeIldcpInfo(reply.data)
}

/**
 * The parent's side, sans I/O: the reply to a child's request Prepare — a Fulfill carrying
 * `info`, or a Reject from `serverAddress` saying what was wrong.
 */
export function serveIldcp(prepare: IlpPrepare, info: IldcpInfo, serverAddress: string, now = new Date()): IlpReply {
  if (prepare.destination !== ILDCP_DESTINATION) {
    return reject(IlpErrorCode.F02_UNREACHABLE, serverAddress, `ILDCP requests go to ${ILDCP_DESTINATION}`)
  }
  if (!asBuffer(prepare.executionCondition).equals(PEER_PROTOCOL_CONDITION)) {
    return reject(IlpErrorCode.F05_WRONG_CONDITION, serverAddress, 'not the ILDCP condition')
  }
  if (prepare.expiresAt.getTime() <= now.getTime()) {
    return reject(IlpErrorCode.R00_TRANSFER_TIMED_OUT, serverAddress, 'ILDCP request expired')
  }
  return { type: IlpPacketType.Fulfill, fulfillment: PEER_PROTOCOL_FULFILLMENT, data: encodeIldcpInfo(info) }
}
