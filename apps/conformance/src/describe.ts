import { IlpPacketType, type IlpPrepare, type IlpReply } from '@stack/ilp-core'

const hex = (bytes: Uint8Array, max = 8): string => Buffer.from(bytes.subarray(0, max)).toString('hex') + (bytes.length > max ? '…' : '')

/** One line for a Prepare, as evidence. */
export function describePrepare(p: IlpPrepare): string {
  return `ILP Prepare amount=${p.amount} destination=${p.destination} expiresAt=${p.expiresAt.toISOString()} condition=${hex(p.executionCondition)} data=${p.data.length}B`
}

/** One line for a Fulfill or Reject, as evidence. */
export function describeReply(r: IlpReply): string {
  if (r.type === IlpPacketType.Fulfill) return `ILP Fulfill fulfillment=${hex(r.fulfillment)} data=${r.data.length}B`
  return `ILP Reject code=${r.code} triggeredBy=${JSON.stringify(r.triggeredBy)} message=${JSON.stringify(r.message)} data=${r.data.length > 0 ? hex(r.data, 24) : '0B'}`
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
