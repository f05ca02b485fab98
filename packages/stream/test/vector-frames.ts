import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { FrameType, type Frame, type StreamPacket } from '../src/index.js'

// The public RFC 0029 vectors (ilp-protocol-stream test/fixtures/packets.json); source,
// license and format in vectors/README.md.
const file = join(import.meta.dirname, 'vectors/packets.json')

type JsonFrame = Record<string, string | number> & { type: number; name: string }

export interface Vector {
  name: string
  decodeOnly: boolean
  bytes: Uint8Array
  packet: StreamPacket
}

const big = (value: string | number | undefined) => BigInt(value ?? Number.NaN)
const base64 = (value: string | number | undefined) => new Uint8Array(Buffer.from(String(value ?? ''), 'base64'))

function frameOf(json: JsonFrame): Frame {
  const j = json
  switch (j.type as FrameType) {
    case FrameType.ConnectionClose:
      return { type: FrameType.ConnectionClose, errorCode: Number(j.errorCode), errorMessage: String(j.errorMessage) }
    case FrameType.ConnectionNewAddress:
      return { type: FrameType.ConnectionNewAddress, sourceAccount: String(j.sourceAccount) }
    case FrameType.ConnectionAssetDetails:
      return {
        type: FrameType.ConnectionAssetDetails,
        sourceAssetCode: String(j.sourceAssetCode),
        sourceAssetScale: Number(j.sourceAssetScale),
      }
    case FrameType.ConnectionMaxData:
      return { type: FrameType.ConnectionMaxData, maxOffset: big(j.maxOffset) }
    case FrameType.ConnectionDataBlocked:
      return { type: FrameType.ConnectionDataBlocked, maxOffset: big(j.maxOffset) }
    case FrameType.ConnectionMaxStreamId:
      return { type: FrameType.ConnectionMaxStreamId, maxStreamId: big(j.maxStreamId) }
    case FrameType.ConnectionStreamIdBlocked:
      return { type: FrameType.ConnectionStreamIdBlocked, maxStreamId: big(j.maxStreamId) }
    case FrameType.StreamClose:
      return {
        type: FrameType.StreamClose,
        streamId: big(j.streamId),
        errorCode: Number(j.errorCode),
        errorMessage: String(j.errorMessage),
      }
    case FrameType.StreamMoney:
      return { type: FrameType.StreamMoney, streamId: big(j.streamId), shares: big(j.shares) }
    case FrameType.StreamMaxMoney:
      return {
        type: FrameType.StreamMaxMoney,
        streamId: big(j.streamId),
        receiveMax: big(j.receiveMax),
        totalReceived: big(j.totalReceived),
      }
    case FrameType.StreamMoneyBlocked:
      return {
        type: FrameType.StreamMoneyBlocked,
        streamId: big(j.streamId),
        sendMax: big(j.sendMax),
        totalSent: big(j.totalSent),
      }
    case FrameType.StreamData:
      return { type: FrameType.StreamData, streamId: big(j.streamId), offset: big(j.offset), data: base64(j.data) }
    case FrameType.StreamMaxData:
      return { type: FrameType.StreamMaxData, streamId: big(j.streamId), maxOffset: big(j.maxOffset) }
    case FrameType.StreamDataBlocked:
      return { type: FrameType.StreamDataBlocked, streamId: big(j.streamId), maxOffset: big(j.maxOffset) }
    case FrameType.StreamReceipt:
      return { type: FrameType.StreamReceipt, streamId: big(j.streamId), receipt: base64(j.receipt) }
  }
}

export function loadVectors(): Vector[] {
  const cases = JSON.parse(readFileSync(file, 'utf8')) as {
    name: string
    decode_only?: boolean
    buffer: string
    packet: { sequence: string; packetType: number; amount: string; frames: JsonFrame[] }
  }[]
  return cases.map((c) => ({
    name: c.name,
    decodeOnly: c.decode_only === true,
    bytes: new Uint8Array(Buffer.from(c.buffer, 'base64')),
    packet: {
      ilpPacketType: c.packet.packetType,
      sequence: BigInt(c.packet.sequence),
      prepareAmount: BigInt(c.packet.amount),
      frames: c.packet.frames.map(frameOf),
    },
  }))
}
