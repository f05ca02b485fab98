import { asBuffer } from '../packet/bytes.js'
import {
  decodeRouteControlRequest,
  decodeRouteUpdateRequest,
  encodeRouteControlRequest,
  encodeRouteUpdateRequest,
  type CcpRouteControlRequest,
  type CcpRouteUpdateRequest,
} from './codec.js'
import { InvalidFieldError } from '../packet/codec-errors.js'
import { PEER_PROTOCOL_CONDITION, PEER_PROTOCOL_FULFILLMENT } from '../peer-protocol.js'
import type { IlpFulfill, IlpPrepare } from '../packet/packet.js'

/**
 * CCP requests as ILP packets (draft RFC "Route Broadcasting Protocol", PR 455,
 * §"Packet"): a Prepare of amount 0 to a `peer.route.*` address with the fixed
 * peer-protocol condition, answered by a Fulfill with empty data or a Reject.
 */
export const CCP_CONTROL_DESTINATION = 'peer.route.control'
export const CCP_UPDATE_DESTINATION = 'peer.route.update'


/** How long a CCP request lives; the reference (ilp-protocol-ccp) uses 60 s. */
export const CCP_REQUEST_LIFETIME_MS = 60_000

export function routeControlPrepare(request: CcpRouteControlRequest, expiresAt: Date): IlpPrepare {
  return {
    amount: 0n,
    expiresAt,
    executionCondition: PEER_PROTOCOL_CONDITION,
    destination: CCP_CONTROL_DESTINATION,
    data: encodeRouteControlRequest(request),
  }
}

export function routeUpdatePrepare(request: CcpRouteUpdateRequest, expiresAt: Date): IlpPrepare {
  return {
    amount: 0n,
    expiresAt,
    executionCondition: PEER_PROTOCOL_CONDITION,
    destination: CCP_UPDATE_DESTINATION,
    data: encodeRouteUpdateRequest(request),
  }
}

/** Reads a route control request out of its Prepare; a wrong address or condition is an InvalidFieldError. */
export function readRouteControlPrepare(prepare: IlpPrepare): CcpRouteControlRequest {
  checkPeerProtocolPrepare(prepare, CCP_CONTROL_DESTINATION)
  return decodeRouteControlRequest(prepare.data)
}

export function readRouteUpdatePrepare(prepare: IlpPrepare): CcpRouteUpdateRequest {
  checkPeerProtocolPrepare(prepare, CCP_UPDATE_DESTINATION)
  return decodeRouteUpdateRequest(prepare.data)
}

/** The answer to every accepted CCP request. */
export function ccpFulfill(): IlpFulfill {
  return { fulfillment: PEER_PROTOCOL_FULFILLMENT, data: new Uint8Array(0) }
}

/** Expiry is not checked here: it needs `now`, which the state machines are given. */
function checkPeerProtocolPrepare(prepare: IlpPrepare, destination: string): void {
  if (prepare.destination !== destination) {
    throw new InvalidFieldError('prepare.destination', `is "${prepare.destination}", expected ${destination}`)
  }
  if (!asBuffer(prepare.executionCondition).equals(PEER_PROTOCOL_CONDITION)) {
    throw new InvalidFieldError('prepare.executionCondition', 'is not the peer-protocol condition')
  }
}
