import { DbServerOptionError } from './errors.js'

/** A database server of this machine, in a temporary folder, listening on 127.0.0.1 only. */
export interface DbServer {
  /** A connection URL: `postgres://postgres@127.0.0.1:<port>/postgres`, `redis://127.0.0.1:<port>`. */
  readonly url: string
  readonly port: number
  /** The temporary folder of its data, removed by `stop()`. */
  readonly dataDir: string
  /** Kills the server at once (SIGKILL to its process group), as a crash would; its data stays for `restart()`. */
  kill(): Promise<void>
  /** Starts it again on the same port and data (stopping it cleanly first if it runs): a restart of the store. */
  restart(): Promise<void>
  /** Stops the server (its clean shutdown) and removes its folder. Idempotent. */
  stop(): Promise<void>
}

export function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new DbServerOptionError(name, value, 'must be an integer ≥ 1')
  return value
}

/** A server setting as `name` = `value`: a name of letters, digits, `_` and `.`, a value on one line. */
export function checkSetting(option: string, name: string, value: string): void {
  if (!/^[a-z_][a-z0-9_.-]*$/i.test(name)) throw new DbServerOptionError(option, name, 'must name a setting')
  if (/[\n\r\0]/.test(value)) throw new DbServerOptionError(`${option}.${name}`, value, 'must be one line')
}
