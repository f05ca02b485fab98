/** The load balancer failed: it did not start, exited, or its runtime API refused a command. */
export class LoadBalancerError extends Error {
  override readonly name: string = 'LoadBalancerError'
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
