import { Writer } from 'oer-utils'
import { isValidAddress, MAX_ADDRESS_LENGTH } from '../address.js'
import { asBuffer } from '../packet/bytes.js'
import { InvalidFieldError } from '../packet/codec-errors.js'
import { FieldReader } from '../packet/field-reader.js'

/**
 * The data of CCP (route broadcasting) requests: draft RFC "Route Broadcasting
 * Protocol" (interledger/rfcs PR 455), ASN.1 module RouteBroadcastingProtocol,
 * OER-encoded (RFC 0030). Only the payloads; messages.ts wraps them in ILP Prepares.
 */

/** SyncMode (draft §"Node Finite State Machine"): IDLE sends nothing, SYNC sends route updates. */
export enum CcpMode {
  Idle = 0,
  Sync = 1,
}

/** RouteControlRequestData: what a node asks of the peer that speaks routes to it. */
export interface CcpRouteControlRequest {
  mode: CcpMode
  /** The speaker's routing table id as the requester last knew it, a lowercase UUID. */
  lastKnownRoutingTableId: string
  /** UInt32: the epoch up to which the requester has applied updates. */
  lastKnownEpoch: number
  /** Reserved; carried as UTF-8 strings, as the reference implementation does. */
  features: string[]
}

/** Property.meta flags (ASN.1 comment on `Property`). */
export const CcpPropertyFlag = {
  Optional: 0x80,
  Transitive: 0x40,
  Partial: 0x20,
  Utf8: 0x10,
} as const

/** Property: reserved for the future; kept raw so every byte round-trips. */
export interface CcpRouteProperty {
  /** UInt8 flags, see CcpPropertyFlag. */
  meta: number
  /** UInt16. */
  id: number
  value: Uint8Array
}

/**
 * NewRoute: a prefix the speaker can reach, and the connectors on the way, speaker first.
 * The codec checks prefix and hops against the ASN.1 Address type only (its characters and
 * length): whether they are addresses a receiver takes (RFC 0015) is its call, per route.
 */
export interface CcpRoute {
  prefix: string
  path: string[]
  /** 32 bytes, reserved (ilp-connector sends a hash chain). */
  auth: Uint8Array
  props: CcpRouteProperty[]
}

/** RouteUpdateRequestData: the log entries [fromEpochIndex, toEpochIndex) of the speaker's table. */
export interface CcpRouteUpdateRequest {
  routingTableId: string
  currentEpochIndex: number
  fromEpochIndex: number
  /** Exclusive. */
  toEpochIndex: number
  /** UInt32 milliseconds the receiver keeps the speaker's routes without hearing from it. */
  holdDownTime: number
  speaker: string
  newRoutes: CcpRoute[]
  withdrawnRoutes: string[]
}

export const ROUTING_TABLE_ID_LENGTH = 16
export const AUTH_LENGTH = 32
const MAX_UINT32 = 0xffff_ffff
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

// ---------------------------------------------------------------- encoding

export function encodeRouteControlRequest(request: CcpRouteControlRequest): Uint8Array {
  const { mode, lastKnownRoutingTableId, lastKnownEpoch, features } = request
  if (mode !== CcpMode.Idle && mode !== CcpMode.Sync) {
    throw new InvalidFieldError('ccp.control.mode', `${String(mode)} is neither idle (0) nor sync (1)`)
  }
  const writer = new Writer()
  writer.writeUInt8(mode)
  writeRoutingTableId(writer, 'ccp.control.lastKnownRoutingTableId', lastKnownRoutingTableId)
  writeUInt32(writer, 'ccp.control.lastKnownEpoch', lastKnownEpoch)
  writer.writeVarUInt(features.length)
  for (const feature of features) writer.writeVarOctetString(Buffer.from(feature, 'utf8'))
  return writer.getBuffer()
}

export function encodeRouteUpdateRequest(request: CcpRouteUpdateRequest): Uint8Array {
  const writer = new Writer()
  writeRoutingTableId(writer, 'ccp.update.routingTableId', request.routingTableId)
  writeUInt32(writer, 'ccp.update.currentEpochIndex', request.currentEpochIndex)
  writeUInt32(writer, 'ccp.update.fromEpochIndex', request.fromEpochIndex)
  writeUInt32(writer, 'ccp.update.toEpochIndex', request.toEpochIndex)
  writeUInt32(writer, 'ccp.update.holdDownTime', request.holdDownTime)
  writeAddress(writer, 'ccp.update.speaker', request.speaker)
  writer.writeVarUInt(request.newRoutes.length)
  request.newRoutes.forEach((route, i) => writeRoute(writer, `ccp.update.newRoutes[${i}]`, route))
  writer.writeVarUInt(request.withdrawnRoutes.length)
  request.withdrawnRoutes.forEach((prefix, i) => writeAddressText(writer, `ccp.update.withdrawnRoutes[${i}]`, prefix))
  return writer.getBuffer()
}

function writeRoute(writer: Writer, field: string, route: CcpRoute): void {
  writeAddressText(writer, `${field}.prefix`, route.prefix)
  writer.writeVarUInt(route.path.length)
  route.path.forEach((hop, i) => writeAddressText(writer, `${field}.path[${i}]`, hop))
  if (route.auth.length !== AUTH_LENGTH) {
    throw new InvalidFieldError(`${field}.auth`, `must be ${AUTH_LENGTH} bytes, got ${route.auth.length}`)
  }
  writer.write(asBuffer(route.auth))
  writer.writeVarUInt(route.props.length)
  route.props.forEach(({ meta, id, value }, i) => {
    checkUInt(`${field}.props[${i}].meta`, meta, 0xff)
    checkUInt(`${field}.props[${i}].id`, id, 0xffff)
    writer.writeUInt8(meta)
    writer.writeUInt16(id)
    writer.writeVarOctetString(asBuffer(value))
  })
}

function writeRoutingTableId(writer: Writer, field: string, id: string): void {
  if (typeof id !== 'string' || !UUID.test(id)) throw new InvalidFieldError(field, `"${String(id)}" is not a UUID`)
  writer.write(Buffer.from(id.replace(/-/g, ''), 'hex'))
}

function writeUInt32(writer: Writer, field: string, value: number): void {
  checkUInt(field, value, MAX_UINT32)
  writer.writeUInt32(value)
}

function writeAddress(writer: Writer, field: string, address: string): void {
  if (!isValidAddress(address)) throw new InvalidFieldError(field, `"${String(address)}" is not a valid ILP address`)
  writer.writeVarOctetString(Buffer.from(address, 'latin1'))
}

function writeAddressText(writer: Writer, field: string, text: string): void {
  if (!isAddressText(text)) throw new InvalidFieldError(field, `"${String(text).slice(0, 64)}" is not an ASN.1 Address`)
  writer.writeVarOctetString(Buffer.from(text, 'latin1'))
}

// InterledgerTypes.asn `Address`: IA5 letters, digits and - . _ ~, up to 1023 of them ('' too).
const ADDRESS_TEXT = /^[-.\w~]*$/

function isAddressText(text: string): boolean {
  return typeof text === 'string' && text.length <= MAX_ADDRESS_LENGTH && ADDRESS_TEXT.test(text)
}

function checkUInt(field: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new InvalidFieldError(field, `${String(value)} is not an integer from 0 to ${max}`)
  }
}

// ---------------------------------------------------------------- decoding
//
// Draft §"Route Control"/§"Route Update" Packet: "If any extra data is included, it
// SHOULD be ignored for compatibility" — so, unlike the ILP packet decoders, bytes
// after the last field are not an error (the reference reader ignores them too).

export function decodeRouteControlRequest(data: Uint8Array): CcpRouteControlRequest {
  const reader = new FieldReader(data)
  const mode = reader.uint8('ccp.control.mode')
  if (mode !== CcpMode.Idle && mode !== CcpMode.Sync) {
    throw new InvalidFieldError('ccp.control.mode', `${mode} is neither idle (0) nor sync (1)`)
  }
  const lastKnownRoutingTableId = readRoutingTableId(reader, 'ccp.control.lastKnownRoutingTableId')
  const lastKnownEpoch = readUInt32(reader, 'ccp.control.lastKnownEpoch')
  const count = readQuantity(reader, 'ccp.control.features')
  const features: string[] = []
  for (let i = 0; i < count; i++) features.push(reader.varUtf8(`ccp.control.features[${i}]`))
  return { mode, lastKnownRoutingTableId, lastKnownEpoch, features }
}

export function decodeRouteUpdateRequest(data: Uint8Array): CcpRouteUpdateRequest {
  const reader = new FieldReader(data)
  const routingTableId = readRoutingTableId(reader, 'ccp.update.routingTableId')
  const currentEpochIndex = readUInt32(reader, 'ccp.update.currentEpochIndex')
  const fromEpochIndex = readUInt32(reader, 'ccp.update.fromEpochIndex')
  const toEpochIndex = readUInt32(reader, 'ccp.update.toEpochIndex')
  const holdDownTime = readUInt32(reader, 'ccp.update.holdDownTime')
  const speaker = readAddress(reader, 'ccp.update.speaker')
  const routeCount = readQuantity(reader, 'ccp.update.newRoutes')
  const newRoutes: CcpRoute[] = []
  for (let i = 0; i < routeCount; i++) newRoutes.push(readRoute(reader, `ccp.update.newRoutes[${i}]`))
  const withdrawnCount = readQuantity(reader, 'ccp.update.withdrawnRoutes')
  const withdrawnRoutes: string[] = []
  for (let i = 0; i < withdrawnCount; i++) {
    withdrawnRoutes.push(readAddressText(reader, `ccp.update.withdrawnRoutes[${i}]`))
  }
  return { routingTableId, currentEpochIndex, fromEpochIndex, toEpochIndex, holdDownTime, speaker, newRoutes, withdrawnRoutes }
}

function readRoute(reader: FieldReader, field: string): CcpRoute {
  const prefix = readAddressText(reader, `${field}.prefix`)
  const hops = readQuantity(reader, `${field}.path`)
  const path: string[] = []
  for (let i = 0; i < hops; i++) path.push(readAddressText(reader, `${field}.path[${i}]`))
  const auth = reader.octets(`${field}.auth`, AUTH_LENGTH)
  const propCount = readQuantity(reader, `${field}.props`)
  const props: CcpRouteProperty[] = []
  for (let i = 0; i < propCount; i++) {
    const meta = reader.uint8(`${field}.props[${i}].meta`)
    const id = (reader.uint8(`${field}.props[${i}].id`) << 8) | reader.uint8(`${field}.props[${i}].id`)
    const value = reader.varOctets(`${field}.props[${i}].value`)
    props.push({ meta, id, value })
  }
  return { prefix, path, auth, props }
}

function readRoutingTableId(reader: FieldReader, field: string): string {
  const hex = Buffer.from(reader.octets(field, ROUTING_TABLE_ID_LENGTH)).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

function readUInt32(reader: FieldReader, field: string): number {
  const bytes = reader.octets(field, 4)
  return ((bytes[0] as number) * 2 ** 24) + (((bytes[1] as number) << 16) | ((bytes[2] as number) << 8) | (bytes[3] as number))
}

function readAddress(reader: FieldReader, field: string): string {
  const address = reader.varLatin1(field)
  if (!isValidAddress(address)) throw new InvalidFieldError(field, `"${address.slice(0, 64)}" is not a valid ILP address`)
  return address
}

/**
 * A route's prefix or hop: the characters of an Address, not its RFC 0015 rules, so that one
 * route a receiver will refuse (the bare scheme `g`, another scheme) does not sink the update.
 */
function readAddressText(reader: FieldReader, field: string): string {
  const text = reader.varLatin1(field)
  if (!isAddressText(text)) throw new InvalidFieldError(field, `"${text.slice(0, 64)}" is not an ASN.1 Address`)
  return text
}

/**
 * The element count of a SEQUENCE OF: RFC 0030 §"Variable-Length Integer Encoding",
 * a length-prefixed unsigned integer in its shortest form. Every element takes at
 * least one byte, so a count beyond the bytes left is refused before any loop runs.
 */
function readQuantity(reader: FieldReader, field: string): number {
  const bytes = reader.varOctets(field, 4)
  if (bytes.length === 0) throw new InvalidFieldError(field, 'count of zero bytes')
  if (bytes.length > 1 && bytes[0] === 0) throw new InvalidFieldError(field, 'non-canonical count (leading zero byte)')
  let count = 0
  for (const byte of bytes) count = count * 256 + byte
  if (count > reader.remaining) {
    throw new InvalidFieldError(field, `count ${count} exceeds the ${reader.remaining} bytes left`)
  }
  return count
}
