/** The dev node failed: it did not start, exited, or refused a request. */
export class EvmNodeError extends Error {
  override readonly name: string = 'EvmNodeError'
}

/** An option of `startEvmNode` out of its range. */
export class EvmNodeOptionError extends EvmNodeError {
  override readonly name = 'EvmNodeOptionError'

  constructor(
    readonly option: string,
    readonly value: unknown,
    reason: string
  ) {
    super(`${option} ${reason} (got ${String(value)})`)
  }
}
