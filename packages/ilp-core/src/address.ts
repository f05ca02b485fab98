import { IlpCodecError } from './packet/codec-errors.js'

/** RFC 0015 §"Allocation Schemes": the first segment of every address is one of these. */
export const ALLOCATION_SCHEMES = Object.freeze([
  'g',
  'private',
  'example',
  'peer',
  'self',
  'test',
  'test1',
  'test2',
  'test3',
  'local',
] as const)

export type AllocationScheme = (typeof ALLOCATION_SCHEMES)[number]

/** RFC 0015 §"Address Requirements" rule 6. */
export const MAX_ADDRESS_LENGTH = 1023

// RFC 0015's canonical regex minus its lookahead (the length is checked apart, which
// is cheaper). Segments cannot contain '.', so the `+` groups cannot backtrack badly.
const ADDRESS = /^(?:g|private|example|peer|self|test[1-3]?|local)(?:\.[a-zA-Z0-9_~-]+)+$/
const SEGMENT = /^[a-zA-Z0-9_~-]+$/
const SCHEMES: ReadonlySet<string> = new Set(ALLOCATION_SCHEMES)

export type InvalidAddressReason =
  | 'too-long'
  | 'empty-segment'
  | 'bad-scheme'
  | 'missing-segment'
  | 'bad-character'

const REASON_TEXT: Record<InvalidAddressReason, string> = {
  'too-long': `is longer than ${MAX_ADDRESS_LENGTH} characters`,
  'empty-segment': 'has an empty segment',
  'bad-scheme': 'does not start with an allocation scheme',
  'missing-segment': 'has no segment after the allocation scheme',
  'bad-character': 'has a character other than a-z A-Z 0-9 _ ~ - in a segment',
}

/** An ILP address that breaks RFC 0015, with the first rule it breaks. */
export class InvalidAddressError extends IlpCodecError {
  override readonly name = 'InvalidAddressError'
  readonly address: string
  readonly reason: InvalidAddressReason

  constructor(address: string, reason: InvalidAddressReason, field = 'address') {
    // Cap what goes into the message: the address may be megabytes of hostile input.
    const shown = address.length > 64 ? `${address.slice(0, 64)}…` : address
    super(field, `"${shown}" ${REASON_TEXT[reason]}`)
    this.address = address
    this.reason = reason
  }
}

/** RFC 0015: true when `s` is a valid ILP address. Runs per packet: one regex, one length check. */
export function isValidAddress(s: string): boolean {
  return typeof s === 'string' && s.length <= MAX_ADDRESS_LENGTH && ADDRESS.test(s)
}

/** Throws InvalidAddressError (naming `field`) unless `s` is a valid ILP address. */
export function assertAddress(s: string, field = 'address'): void {
  if (isValidAddress(s)) return
  throw new InvalidAddressError(s, diagnose(s), field)
}

// Slow path, only for invalid input: find which rule of RFC 0015 is broken.
function diagnose(s: string): InvalidAddressReason {
  if (typeof s !== 'string') return 'bad-character'
  if (s.length > MAX_ADDRESS_LENGTH) return 'too-long'
  const segments = s.split('.')
  if (segments.some((segment) => segment.length === 0)) return 'empty-segment'
  if (!SCHEMES.has(segments[0] ?? '')) return 'bad-scheme'
  if (segments.length < 2) return 'missing-segment'
  return 'bad-character'
}

/**
 * The allocation scheme `address` starts with, or undefined if its first segment is
 * not one. Looks at the first segment only; validate the address separately.
 */
export function allocationScheme(address: string): AllocationScheme | undefined {
  const dot = address.indexOf('.')
  const first = dot === -1 ? address : address.slice(0, dot)
  return SCHEMES.has(first) ? (first as AllocationScheme) : undefined
}

/**
 * True when `address` is `prefix` or lies under it (RFC 0015 §"Routing": longest
 * prefix match is per segment, so `g.alice` is not a prefix of `g.alicebob`).
 * Does not validate either argument: routing runs it per route per packet.
 */
export function isAddressPrefix(prefix: string, address: string): boolean {
  return (
    address.startsWith(prefix) &&
    (address.length === prefix.length || address.charCodeAt(prefix.length) === 0x2e /* . */)
  )
}

/** The segments of `address`, scheme first. Does not validate. */
export function addressSegments(address: string): string[] {
  return address.split('.')
}

/**
 * `address` without its last segment, or undefined if it has a single segment.
 * The parent of a two-segment address is the bare scheme (`g.alice` → `g`): a
 * routing prefix, not a valid address. Does not validate.
 */
export function parentAddress(address: string): string | undefined {
  const dot = address.lastIndexOf('.')
  return dot === -1 ? undefined : address.slice(0, dot)
}

/**
 * `parent.segment`, checked: `segment` must be one segment (no '.'), and the result a
 * valid address (so `parent` may be a bare scheme). Throws InvalidAddressError.
 */
export function childAddress(parent: string, segment: string): string {
  const child = `${parent}.${segment}`
  if (!SEGMENT.test(segment)) {
    throw new InvalidAddressError(child, segment.length === 0 ? 'empty-segment' : 'bad-character', 'segment')
  }
  assertAddress(child)
  return child
}
