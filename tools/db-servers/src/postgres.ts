import { chown, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findProgram, ToolUnavailableError } from '@stack/process-guard'
import { localUser, postgresBinDirs } from './binaries.js'
import { onFreePort, run, ServerProcess } from './process.js'
import { checkSetting, positiveInteger, type DbServer } from './server.js'

export interface PostgresOptions {
  /**
   * Server settings (`postgresql.conf` names), passed as `-c name=value`. The defaults are the
   * durable ones, written out: fsync=on, synchronous_commit=on, full_page_writes=on.
   */
  readonly settings?: Readonly<Record<string, string>>
  /** How long initdb and the start may take, each. Default 60 s. */
  readonly startTimeoutMs?: number
}

const DURABLE: Readonly<Record<string, string>> = { fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on' }

/**
 * Starts PostgreSQL (Debian's `postgresql` package) on a fresh cluster in a temporary folder:
 * initdb with trust authentication for the user `postgres`, then the server on a free port of
 * 127.0.0.1 (no Unix socket). As root, both run as the user `postgres` (PostgreSQL refuses to
 * run as root), which the Debian package creates. The server and its folder die with this
 * process, however it ends.
 * @throws ToolUnavailableError (not installed), DbServerOptionError, DbServerError
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<DbServer> {
  const timeoutMs = positiveInteger('startTimeoutMs', options.startTimeoutMs ?? 60_000)
  const settings = { ...DURABLE, ...options.settings }
  for (const [name, value] of Object.entries(settings)) checkSetting('settings', name, value)
  const search = { debianPackage: 'postgresql', dirs: postgresBinDirs() }
  const initdb = findProgram('initdb', search)
  const postgres = findProgram('postgres', search)
  const user = asUser()

  const dir = await mkdtemp(join(tmpdir(), 'db-servers-pg-'))
  const server = new ServerProcess('PostgreSQL', dir)
  try {
    if (user !== undefined) await chown(dir, user.uid, user.gid)
    const data = join(dir, 'data')
    // --no-sync: initdb's own files need no fsync for a throw-away cluster; the server's writes do.
    await run(initdb, ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync'], { ...user, env: envFor(dir) }, 'initdb')
    const start = async (port: number): Promise<void> => {
      const args = ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', '']
      for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`)
      await server.start(postgres, args, /database system is ready to accept connections/, timeoutMs, { ...user, env: envFor(dir) })
    }
    const port = await onFreePort(start, /Address already in use|could not bind/)
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      dataDir: dir,
      kill: () => server.kill(),
      async restart() {
        await server.signal('SIGINT') // fast shutdown: sessions end, the WAL is flushed
        await start(port)
      },
      stop: () => server.dispose('SIGINT'),
    }
  } catch (error) {
    await server.dispose('SIGKILL')
    throw error
  }
}

// PostgreSQL refuses to run as root: then it runs as `postgres`.
function asUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined
  const user = localUser('postgres')
  if (user === undefined) throw new ToolUnavailableError('user postgres', 'PostgreSQL does not run as root, and /etc/passwd has no user postgres', { debianPackage: 'postgresql' })
  return user
}

// Its own locale and home: nothing of the caller's environment is needed, and a root HOME is not readable to postgres.
function envFor(dir: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, LANG: 'C', LC_ALL: 'C' }
}
