import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import * as ldk from 'lightningdevkit'
import { bytesToHash } from './chain.js'

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

/** LDK's Persist over a StateDir: each monitor written whole (`monitors/<txid>_<vout>`) before LDK goes on. */
export function monitorPersister(state: StateDir): ldk.Persist {
  const file = (outpoint: ldk.OutPoint): string => `monitors/${bytesToHash(outpoint.get_txid())}_${outpoint.get_index()}`
  return ldk.Persist.new_impl({
    persist_new_channel: (outpoint: ldk.OutPoint, monitor: ldk.ChannelMonitor) => {
      state.write(file(outpoint), monitor.write())
      return ldk.ChannelMonitorUpdateStatus.LDKChannelMonitorUpdateStatus_Completed
    },
    update_persisted_channel: (outpoint: ldk.OutPoint, _update: ldk.ChannelMonitorUpdate | null, monitor: ldk.ChannelMonitor) => {
      state.write(file(outpoint), monitor.write())
      return ldk.ChannelMonitorUpdateStatus.LDKChannelMonitorUpdateStatus_Completed
    },
    archive_persisted_channel: () => {}
  })
}
