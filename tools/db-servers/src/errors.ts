/** A server failed: it did not start in time, exited, or its folder could not be made. */
export class DbServerError extends Error {
  override readonly name: string = 'DbServerError'
}

/** The server's program is not installed here: `debianPackage` names what to install. */
export class DbServerUnavailableError extends DbServerError {
  override readonly name = 'DbServerUnavailableError'

  constructor(
    /** The program looked for: `initdb`, `postgres`, `redis-server`. */
    readonly program: string,
    /** The Debian package that installs it (`apt-get install <it>`). */
    readonly debianPackage: string,
    detail: string
  ) {
    super(`${program} not found (${detail}): install the Debian package ${debianPackage}`)
  }
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
