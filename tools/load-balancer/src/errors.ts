/** The load balancer failed: it did not start, exited, or its runtime API refused a command. */
export class LoadBalancerError extends Error {
  override readonly name: string = 'LoadBalancerError'
}

/** No haproxy executable on this machine: Debian's package `haproxy` provides it. */
export class LoadBalancerUnavailableError extends LoadBalancerError {
  override readonly name = 'LoadBalancerUnavailableError'
  /** The Debian package that provides the executable. */
  readonly debianPackage = 'haproxy'

  constructor(readonly searched: readonly string[]) {
    super(`haproxy not found (looked in ${searched.join(', ')}): install Debian's package: apt-get install -y haproxy`)
  }
}

/** An option of `startHaproxy` out of its range. */
export class LoadBalancerOptionError extends LoadBalancerError {
  override readonly name = 'LoadBalancerOptionError'

  constructor(
    readonly option: string,
    readonly value: unknown,
    reason: string,
  ) {
    super(`${option} ${reason} (got ${JSON.stringify(value)})`)
  }
}
