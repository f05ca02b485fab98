import { hash, randomBytes, timingSafeEqual } from 'node:crypto'
import { InvalidFieldError } from './codec-errors.js'

/** RFC 0027: fulfillment and condition are both UInt256 (32 bytes). */
const LENGTH = 32

function sha256(bytes: Uint8Array): Buffer {
  // One-shot: no Hash object per call (STREAM computes two per packet).
  return hash('sha256', bytes, 'buffer')
}

/** RFC 0027: the condition is the SHA-256 of the fulfillment. */
export function conditionOf(fulfillment: Uint8Array): Uint8Array {
  if (fulfillment.length !== LENGTH) {
    throw new InvalidFieldError('fulfillment', `must be ${LENGTH} bytes, got ${fulfillment.length}`)
  }
  // A plain Uint8Array that owns its memory, not a Buffer that may sit in a shared pool.
  return new Uint8Array(sha256(fulfillment))
}

/**
 * RFC 0027 lifecycle steps 10–11: a Fulfill counts only if its fulfillment hashes to
 * the Prepare's condition. Constant time in the contents; wrong lengths give false.
 */
export function verifyFulfillment(fulfillment: Uint8Array, condition: Uint8Array): boolean {
  if (fulfillment.length !== LENGTH || condition.length !== LENGTH) return false
  return timingSafeEqual(sha256(fulfillment), condition)
}

export function randomFulfillment(): Uint8Array {
  return new Uint8Array(randomBytes(LENGTH))
}

export interface FulfillmentPair {
  fulfillment: Uint8Array
  condition: Uint8Array
}

export function generateFulfillmentPair(): FulfillmentPair {
  const fulfillment = randomFulfillment()
  return { fulfillment, condition: conditionOf(fulfillment) }
}
