import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findProgram } from '@stack/process-guard'
import { DbServerOptionError } from './errors.js'
import { onFreePort, ServerProcess } from './process.js'
import { checkSetting, positiveInteger, type DbServer } from './server.js'

export type AppendFsync = 'always' | 'everysec' | 'no'

export interface RedisOptions {
  /**
   * The append-only file's fsync policy. Default 'always': a write is on disk before its reply
   * (Redis fsyncs once per event-loop turn, so a pipeline shares one fsync); 'everysec' may lose
   * the last second on a power loss, not on a crash of the server alone.
   */
  readonly appendfsync?: AppendFsync
  /** More `redis.conf` settings, passed as `--name value`. */
  readonly settings?: Readonly<Record<string, string>>
  /** How long the start may take. Default 30 s. */
  readonly startTimeoutMs?: number
}

/**
 * Starts redis-server (Debian's `redis-server` package) in a temporary folder: a free port of
 * 127.0.0.1 only, the append-only file on (no RDB snapshots), no password (loopback). The
 * server and its folder die with this process, however it ends.
 * @throws ToolUnavailableError (not installed), DbServerOptionError, DbServerError
 */
export async function startRedis(options: RedisOptions = {}): Promise<DbServer> {
  const timeoutMs = positiveInteger('startTimeoutMs', options.startTimeoutMs ?? 30_000)
  const appendfsync = options.appendfsync ?? 'always'
  if (!['always', 'everysec', 'no'].includes(appendfsync)) throw new DbServerOptionError('appendfsync', appendfsync, 'must be always, everysec or no')
  for (const [name, value] of Object.entries(options.settings ?? {})) checkSetting('settings', name, value)
  const program = findProgram('redis-server', { debianPackage: 'redis-server' })

  const dir = await mkdtemp(join(tmpdir(), 'db-servers-redis-'))
  const server = new ServerProcess('Redis', dir)
  const start = async (port: number): Promise<void> => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no', '--save', '', '--appendonly', 'yes', '--appendfsync', appendfsync]
    args.push('--protected-mode', 'no', '--logfile', '', '--unixsocket', '')
    for (const [name, value] of Object.entries(options.settings ?? {})) args.push(`--${name}`, value)
    await server.start(program, args, /Ready to accept connections/, timeoutMs, { cwd: dir })
  }
  let port: number
  try {
    port = await onFreePort(start, /Address already in use/)
  } catch (error) {
    await server.dispose('SIGKILL')
    throw error
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dataDir: dir,
    kill: () => server.kill(),
    async restart() {
      await server.signal('SIGTERM') // Redis's clean shutdown: the AOF is flushed and fsynced
      await start(port)
    },
    stop: () => server.dispose('SIGTERM'),
  }
}
