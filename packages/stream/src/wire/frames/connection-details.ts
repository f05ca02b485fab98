import { isValidAddress } from '@stack/ilp-core'
import { StreamInvalidFieldError } from '../errors.js'
import { type Cursor, readUInt8, readVarLatin1, readVarUtf8 } from '../oer-reader.js'
import { checkUInt8, lengthPrefixLength, utf8Length, writeLengthPrefix, writeVarUtf8 } from '../oer-writer.js'
import { FrameType } from './frame-type.js'

/** RFC 0029 §5.3.2: the ILP address the sender of the frame can be reached at (§4.3.1, §4.3.2). */
export interface ConnectionNewAddressFrame {
  type: FrameType.ConnectionNewAddress
  /**
   * A valid ILP address (RFC 0015), checked both ways, or empty: `ilp-protocol-stream` ≥ 2.5
   * and `@interledger/pay` send `""` to ask for the receiver's asset details without giving
   * an address to send to.
   */
  sourceAccount: string
}

/** RFC 0029 §5.3.14: the asset of the sender of the frame; it must not change on a connection (§4.3.3). */
export interface ConnectionAssetDetailsFrame {
  type: FrameType.ConnectionAssetDetails
  sourceAssetCode: string
  sourceAssetScale: number
}

function checkAddress(field: string, address: string): void {
  if (address !== '' && !isValidAddress(address)) {
    const shown = typeof address === 'string' && address.length > 64 ? `${address.slice(0, 64)}…` : String(address)
    throw new StreamInvalidFieldError(field, `"${shown}" is not a valid ILP address`)
  }
}

export function connectionNewAddressLength(frame: ConnectionNewAddressFrame): number {
  checkAddress('connectionNewAddress.sourceAccount', frame.sourceAccount)
  return lengthPrefixLength(frame.sourceAccount.length) + frame.sourceAccount.length
}

export function appendConnectionNewAddress(target: Uint8Array, at: number, frame: ConnectionNewAddressFrame): number {
  const address = frame.sourceAccount
  at = writeLengthPrefix(target, at, address.length)
  // A valid address is ASCII: one byte per char.
  for (let i = 0; i < address.length; i++) target[at + i] = address.charCodeAt(i)
  return at + address.length
}

export function parseConnectionNewAddress(c: Cursor): ConnectionNewAddressFrame {
  // RFC 0029 §5.3.2 types the field as an ILP Address (asn1: Address, an IA5String).
  const sourceAccount = readVarLatin1(c, 'connectionNewAddress.sourceAccount')
  checkAddress('connectionNewAddress.sourceAccount', sourceAccount)
  return { type: FrameType.ConnectionNewAddress, sourceAccount }
}

export function connectionAssetDetailsLength(frame: ConnectionAssetDetailsFrame): number {
  const code = utf8Length('connectionAssetDetails.sourceAssetCode', frame.sourceAssetCode)
  checkUInt8('connectionAssetDetails.sourceAssetScale', frame.sourceAssetScale)
  return lengthPrefixLength(code) + code + 1
}

export function appendConnectionAssetDetails(target: Uint8Array, at: number, frame: ConnectionAssetDetailsFrame): number {
  const code = frame.sourceAssetCode
  at = writeVarUtf8(target, at, code, utf8Length('connectionAssetDetails.sourceAssetCode', code))
  target[at] = frame.sourceAssetScale
  return at + 1
}

export function parseConnectionAssetDetails(c: Cursor): ConnectionAssetDetailsFrame {
  const sourceAssetCode = readVarUtf8(c, 'connectionAssetDetails.sourceAssetCode')
  const sourceAssetScale = readUInt8(c, 'connectionAssetDetails.sourceAssetScale')
  return { type: FrameType.ConnectionAssetDetails, sourceAssetCode, sourceAssetScale }
}
