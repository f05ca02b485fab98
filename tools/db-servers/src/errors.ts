/** A server failed: it did not start in time, exited, or its folder could not be made. */
export class DbServerError extends Error {
  override readonly name: string = 'DbServerError'
}

/** An option of `startPostgres` / `startRedis` out of its range. */
export class DbServerOptionError extends DbServerError {
  override readonly name = 'DbServerOptionError'

  constructor(
    readonly option: string,
    readonly value: unknown,
    reason: string
  ) {
    super(`${option} ${reason} (got ${String(value)})`)
  }
}
