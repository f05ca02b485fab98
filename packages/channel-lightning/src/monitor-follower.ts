import { Block } from 'bitcoinjs-lib'
import * as ldk from 'lightningdevkit'
import type { BlockListener } from './chain.js'

/**
 * A stored ChannelMonitor brought up to the chain tip on its own before it is handed to the
 * ChainMonitor: the ChainMonitor persists monitors on some blocks only, so after a restart a
 * monitor may be behind the ChannelManager.
 */
export function monitorListener(
  monitor: ldk.ChannelMonitor,
  broadcaster: ldk.BroadcasterInterface,
  fees: ldk.FeeEstimator,
  logger: ldk.Logger
): BlockListener {
  return {
    blockConnected(block, height) {
      const parsed = Block.fromBuffer(block)
      const txdata = (parsed.transactions ?? []).map((tx, index) =>
        ldk.TwoTuple_usizeTransactionZ.constructor_new(index, new Uint8Array(tx.toBuffer()))
      )
      const header = block.subarray(0, 80)
      monitor.transactions_confirmed(header, txdata, height, broadcaster, fees, logger)
      monitor.best_block_updated(header, height, broadcaster, fees, logger)
    },
    blockDisconnected(header, height) {
      monitor.block_disconnected(header, height, broadcaster, fees, logger)
    }
  }
}

/** The ChannelManager and ChainMonitor take whole blocks through LDK's Listen. */
export function listenListener(listen: ldk.Listen): BlockListener {
  return {
    blockConnected: (block, height) => listen.block_connected(block, height),
    blockDisconnected: (header, height) => listen.block_disconnected(header, height)
  }
}
