import { InvalidFieldError } from './codec-errors.js'
import { isValidAddress } from '../address.js'
import { allocatePacket, lengthPrefixSize, openEnvelope, writeLengthPrefix } from './envelope.js'
import type { FieldReader } from './field-reader.js'
import { checkAmount, checkData } from './field-checks.js'
import { IlpPacketType, MAX_DATA_LENGTH, type IlpPrepare } from './packet.js'
import { TIMESTAMP_LENGTH, writeTimestamp } from './timestamp.js'

const CONDITION_LENGTH = 32

/**
 * RFC 0027 §"IlpPrepare". The hot path of every connector and sender: the
 * packet is sized first and written once into a single buffer (the bench in
 * bench/ shows what this gains over an oer-utils Writer; the cross-checks
 * against ilp-packet guard the bytes).
 */
export function encodePrepare(prepare: IlpPrepare): Buffer {
  const { amount, expiresAt, executionCondition, destination, data } = prepare
  checkAmount('prepare.amount', amount)
  if (executionCondition.length !== CONDITION_LENGTH) {
    throw new InvalidFieldError('prepare.executionCondition', `must be ${CONDITION_LENGTH} bytes, got ${executionCondition.length}`)
  }
  if (!isValidAddress(destination)) {
    throw new InvalidFieldError('prepare.destination', `"${destination}" is not a valid ILP address`)
  }
  checkData('prepare.data', data)

  const bodyLength =
    8 + TIMESTAMP_LENGTH + CONDITION_LENGTH +
    lengthPrefixSize(destination.length) + destination.length +
    lengthPrefixSize(data.length) + data.length
  const packet = allocatePacket(IlpPacketType.Prepare, bodyLength)
  let at = 1 + lengthPrefixSize(bodyLength)
  packet.writeBigUInt64BE(amount, at)
  at += 8
  writeTimestamp('prepare.expiresAt', expiresAt, packet, at)
  at += TIMESTAMP_LENGTH
  packet.set(executionCondition, at)
  at += CONDITION_LENGTH
  at = writeLengthPrefix(packet, at, destination.length)
  at += packet.write(destination, at, 'latin1')
  at = writeLengthPrefix(packet, at, data.length)
  packet.set(data, at)
  return packet
}

/**
 * Whether `bytes` are a Prepare to `prefix` or an address below it, read without decoding the
 * packet: a filter a link can run on every packet (a few ns) to pick out a peer protocol's
 * Prepares (`peer.route`, `peer.settle`). Those have short destinations, their length in one
 * byte; a longer one is never a match. The packet is not validated: decode the ones it picks.
 */
export function isPrepareTo(bytes: Uint8Array, prefix: string): boolean {
  if (bytes[0] !== IlpPacketType.Prepare || bytes.length < 2) return false
  const first = bytes[1] as number
  const at = 2 + (first < 0x80 ? 0 : first & 0x7f) + 8 + TIMESTAMP_LENGTH + CONDITION_LENGTH
  const length = bytes[at] ?? 0
  if (length < prefix.length || length >= 0x80 || bytes.length < at + 1 + length) return false
  for (let i = 0; i < prefix.length; i++) if (bytes[at + 1 + i] !== prefix.charCodeAt(i)) return false
  return length === prefix.length || bytes[at + 1 + prefix.length] === 0x2e // '.'
}

/** Decodes a Prepare; byte fields are views of `bytes`, not copies. */
export function decodePrepare(bytes: Uint8Array): IlpPrepare {
  return readPrepareBody(openEnvelope(bytes, IlpPacketType.Prepare).body)
}

export function readPrepareBody(body: FieldReader): IlpPrepare {
  const amount = body.uint64('prepare.amount')
  const expiresAt = body.timestamp('prepare.expiresAt')
  const executionCondition = body.octets('prepare.executionCondition', CONDITION_LENGTH)
  // latin1 keeps every byte as one char, so the address check also refuses non-ASCII.
  const destination = body.varLatin1('prepare.destination')
  if (!isValidAddress(destination)) {
    throw new InvalidFieldError('prepare.destination', `"${destination}" is not a valid ILP address`)
  }
  const data = body.varOctets('prepare.data', MAX_DATA_LENGTH)
  body.end('prepare')
  return { amount, expiresAt, executionCondition, destination, data }
}
