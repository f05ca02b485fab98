/**
 * What an endpoint knows of an XRP Ledger payment channel: the fields of the ledger's
 * PaymentChannel object that decide whether a claim is good. Where they come from is the
 * caller's business: in an app, the `ledger_entry` / `account_channels` answer of a server
 * (validated ledger); in tests, a memory map. No server is contacted by this package.
 */
export interface XrpChannelState {
  /** 64 uppercase hex digits. */
  readonly channelId: string
  /** The source account, which funds the channel and signs its claims. */
  readonly account: string
  /** The destination account, which redeems claims. */
  readonly destination: string
  /** The key claims must verify against (33 bytes hex). */
  readonly publicKey: string
  /** Drops ever put in the channel (create + fund): no claim may exceed it. */
  readonly amount: bigint
  /** Drops already paid out by claims. */
  readonly balance: bigint
  /** True when the channel is gone, or closing / expiring too soon to redeem: claims are refused. */
  readonly closed?: boolean
}

/** Looks up channels as the caller knows them. */
export interface XrpChannelDirectory {
  getChannel(channelId: string): Promise<XrpChannelState | undefined>
}

/** An XrpChannelDirectory in memory: for tests, and for callers that track channels themselves. */
export class MemoryChannelDirectory implements XrpChannelDirectory {
  readonly #channels = new Map<string, XrpChannelState>()

  set(channel: XrpChannelState): void {
    this.#channels.set(channel.channelId.toUpperCase(), channel)
  }

  async getChannel(channelId: string): Promise<XrpChannelState | undefined> {
    return this.#channels.get(channelId.toUpperCase())
  }
}
