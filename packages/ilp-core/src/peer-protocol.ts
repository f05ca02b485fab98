import { conditionOf } from './condition.js'

/**
 * Bilateral peer protocols (ILDCP, RFC 0031 §"Packet"; CCP, route broadcasting draft
 * §"Packet") ride in Prepares to `peer.*` addresses whose fulfillment is always 32 zero
 * bytes…
 */
export const PEER_PROTOCOL_FULFILLMENT: Uint8Array = new Uint8Array(32)
/** …so the condition is always its SHA-256, Zmh6rfhivXdsj8GLjp+OIAiXFIVu4jOzkCpZHQ1fKSU=. */
export const PEER_PROTOCOL_CONDITION: Uint8Array = conditionOf(PEER_PROTOCOL_FULFILLMENT)
