import * as ldk from 'lightningdevkit'
import { bytesToHash } from './chain.js'
import { hex } from './ldk.js'

/** LDK's configuration of a node, from its options. */
export function userConfig(options: { readonly minimumDepth?: number; readonly toSelfDelay?: number }): ldk.UserConfig {
  const config = ldk.UserConfig.constructor_default()
  const handshake = config.get_channel_handshake_config()
  // LDK's default lets an HTLC use only 10 % of the channel; an ILP settlement may move most of it.
  handshake.set_max_inbound_htlc_value_in_flight_percent_of_channel(100)
  handshake.set_minimum_depth(options.minimumDepth ?? 6)
  handshake.set_our_to_self_delay(options.toSelfDelay ?? 144)
  config.set_channel_handshake_config(handshake)
  // A node between two private channels (the multi-hop case) forwards over them.
  config.set_accept_forwards_to_priv_channels(true)
  return config
}

/** Routing without gossip: the graph stays empty, routes are our channels and the invoices' route hints. */
export function routers(network: ldk.Network, logger: ldk.Logger, keys: ldk.KeysManager): { router: ldk.DefaultRouter; messageRouter: ldk.DefaultMessageRouter } {
  const graph = ldk.NetworkGraph.constructor_new(network, logger)
  const scorer = ldk.ProbabilisticScorer.constructor_new(ldk.ProbabilisticScoringDecayParameters.constructor_default(), graph, logger)
  const router = ldk.DefaultRouter.constructor_new(
    graph,
    logger,
    keys.as_EntropySource(),
    ldk.MultiThreadedLockableScore.constructor_new(scorer.as_Score()).as_LockableScore(),
    ldk.ProbabilisticScoringFeeParameters.constructor_default()
  )
  return { router, messageRouter: ldk.DefaultMessageRouter.constructor_new(graph, keys.as_EntropySource()) }
}

export interface ChannelInfo {
  readonly channelId: string
  readonly counterparty: string
  readonly valueSats: bigint
  readonly outboundMsat: bigint
  readonly inboundMsat: bigint
  readonly fundingTxid: string | undefined
  readonly ready: boolean
  readonly usable: boolean
}

export function channelInfo(c: ldk.ChannelDetails): ChannelInfo {
  const funding = c.get_funding_txo()
  return {
    channelId: hex(c.get_channel_id().get_a()),
    counterparty: hex(c.get_counterparty().get_node_id()),
    valueSats: c.get_channel_value_satoshis(),
    outboundMsat: c.get_outbound_capacity_msat(),
    inboundMsat: c.get_inbound_capacity_msat(),
    // LDK reports an all-zero outpoint until the funding transaction exists.
    fundingTxid: funding === null || funding.get_txid().every((b) => b === 0) ? undefined : bytesToHash(funding.get_txid()),
    // The WASM bindings hand booleans over as 0 or 1.
    ready: Boolean(c.get_is_channel_ready()),
    usable: Boolean(c.get_is_usable())
  }
}
