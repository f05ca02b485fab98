import { isAddressPrefix, isValidAddress } from '../address.js'
import type { CcpRoute } from './codec.js'

/**
 * Which routes a peer may not teach us. A route that would win by longest prefix (RFC 0015
 * §"Routing") for addresses that are ours, our children's, or the whole network's would have
 * their Prepares handed to that peer. Each such route is refused on its own: the rest of the
 * update is applied (interledger-rs filters the same kinds; ilp-connector only our address).
 */
export type RouteRefusal =
  /** '' or the global prefix itself (`g`, `test`): a default route, which only configuration sets. */
  | 'global-prefix'
  /** Not under our global prefix: another allocation scheme (`g.x` when we are `test.us`). */
  | 'outside-global-prefix'
  /** The prefix or a hop of the path breaks RFC 0015. */
  | 'invalid'
  /** Our own address or under it: those packets end here or at our children. */
  | 'own-address'
  /** The path already holds us: the route would loop (path-vector rule, RFC 4271 §9.1.2). */
  | 'loop'
  /** At or under a configured route to one of our children. */
  | 'child'

export interface RefusedRoute {
  prefix: string
  reason: RouteRefusal
}

export interface RouteScope {
  ownAddress: string
  globalPrefix: string
  /** True when `prefix` is at or under a configured route to one of our children. */
  isChildPrefix(prefix: string): boolean
}

/** Why `route` is refused, or undefined to take it. */
export function routeRefusal(route: Pick<CcpRoute, 'prefix' | 'path'>, scope: RouteScope): RouteRefusal | undefined {
  const { prefix, path } = route
  if (prefix === '' || prefix === scope.globalPrefix) return 'global-prefix'
  if (!isAddressPrefix(scope.globalPrefix, prefix)) return 'outside-global-prefix'
  if (!isValidAddress(prefix) || !path.every(isValidAddress)) return 'invalid'
  if (isAddressPrefix(scope.ownAddress, prefix)) return 'own-address'
  if (path.includes(scope.ownAddress)) return 'loop'
  if (scope.isChildPrefix(prefix)) return 'child'
  return undefined
}
