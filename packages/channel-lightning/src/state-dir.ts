import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { join } from 'node:path'

/**
 * A node's state on disk: `seed`, `manager` (the ChannelManager) and `monitors/<txid>_<vout>`
 * (one ChannelMonitor per funding outpoint). Every write goes to a temporary file, is flushed and
 * then renamed over the old one, so a crash leaves either the old or the new copy, never half.
 */
export class StateDir {
  constructor(readonly path: string) {
    mkdirSync(join(path, 'monitors'), { recursive: true })
  }

  read(name: string): Uint8Array | undefined {
    const file = join(this.path, name)
    return existsSync(file) ? new Uint8Array(readFileSync(file)) : undefined
  }

  write(name: string, bytes: Uint8Array): void {
    const file = join(this.path, name)
    const temporary = `${file}.tmp`
    const fd = openSync(temporary, 'w', 0o600)
    try {
      writeSync(fd, bytes)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temporary, file)
  }

  /** The stored monitors' file names (`monitors/…`). */
  monitors(): string[] {
    return readdirSync(join(this.path, 'monitors'))
      .filter((name) => !name.endsWith('.tmp'))
      .map((name) => `monitors/${name}`)
  }
}
