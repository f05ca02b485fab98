import { amountTooLargeError, IlpError, IlpErrorCode, isAddressPrefix, MAX_UINT64 } from '@stack/ilp-core'
import type BigNumber from 'bignumber.js'
import { applyConversion, conversionFactor, maxConvertibleAmount, toConversion, type Conversion, type RateBackend } from './rates/exchange-rate.js'
import type { Handler, IncomingContext, OutgoingContext, PeerAccount } from './pipeline.js'

/**
 * What the switch needs of routing: the peer to forward a destination to. The routing table
 * (ilp-core's RoutingTable) provides it; tests use a static one.
 */
export interface RouteLookup {
  /** Id of the next-hop peer for `destination`, or undefined when there is no route. */
  nextHop(destination: string): string | undefined
}

export interface SwitchConfig {
  routes: RouteLookup
  peer(id: string): PeerAccount | undefined
  rates: RateBackend
  spread: BigNumber
  /** The outgoing pipeline, ending in the destination's sender. */
  forward: Handler<OutgoingContext>
}

/**
 * The packet switch (RFC 0027 lifecycle steps 5–7): find the next hop, convert the amount to
 * its asset, hand the new Prepare to the outgoing pipeline and relay whatever comes back.
 *   - F02 Unreachable: a `peer.*` destination (RFC 0034 §"Special Addresses": never forwarded),
 *     no route, a route to an unknown peer or back to the source;
 *   - T00 Internal Error: no rate for the pair (a configuration or rate-feed problem);
 *   - R01 Insufficient Source Amount: a positive amount that converts to 0;
 *   - F08 Amount Too Large: a conversion above UInt64, with the largest amount that fits as
 *     the maximum (it tells the sender exactly how far to go down; F03 would not).
 */
export function createSwitch(config: SwitchConfig): Handler<IncomingContext> {
  // Per source, then destination peer: the factor for the rate last seen. A rate backend hands
  // out a new rate object when the rate changes, which recomputes it. (Two maps: no key string
  // built per packet.)
  const conversions = new Map<string, Map<string, { rate: BigNumber; conversion: Conversion }>>()
  return async (ctx) => {
    const { source, prepare } = ctx
    if (isAddressPrefix('peer', prepare.destination)) {
      throw new IlpError(IlpErrorCode.F02_UNREACHABLE, `${prepare.destination} is not forwarded`)
    }
    const hopId = config.routes.nextHop(prepare.destination)
    const destination = hopId === undefined ? undefined : config.peer(hopId)
    if (destination === undefined || destination.send === undefined) {
      throw new IlpError(IlpErrorCode.F02_UNREACHABLE, `no route to ${prepare.destination}`)
    }
    if (destination.id === source.id) {
      throw new IlpError(IlpErrorCode.F02_UNREACHABLE, `route to ${prepare.destination} leads back to its source`)
    }
    const rate = config.rates.rate(source.asset.code, destination.asset.code)
    if (rate === undefined) {
      throw new IlpError(IlpErrorCode.T00_INTERNAL_ERROR, `no exchange rate from ${source.asset.code} to ${destination.asset.code}`)
    }
    let bySource = conversions.get(source.id)
    if (bySource === undefined) conversions.set(source.id, (bySource = new Map()))
    let cached = bySource.get(destination.id)
    if (cached?.rate !== rate) {
      cached = { rate, conversion: toConversion(conversionFactor(rate, config.spread, source.asset, destination.asset)) }
      bySource.set(destination.id, cached)
    }
    const amount = applyConversion(prepare.amount, cached.conversion)
    if (amount > MAX_UINT64) {
      throw amountTooLargeError(prepare.amount, maxConvertibleAmount(cached.conversion.factor) ?? MAX_UINT64)
    }
    if (amount === 0n && prepare.amount > 0n) {
      throw new IlpError(IlpErrorCode.R01_INSUFFICIENT_SOURCE_AMOUNT, `${prepare.amount} is worth nothing at the next hop`)
    }
    return config.forward({
      source,
      destination,
      incoming: prepare,
      prepare: { ...prepare, amount },
    })
  }
}
