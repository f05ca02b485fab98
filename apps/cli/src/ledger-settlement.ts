/**
 * `stack pay --ledger`: the payer settles with its connector over a payment channel on an
 * embedded ledger (@stack/ledger-sqlite; the connector's peer has `settlement.kind: sqlite` on
 * the same file). Each fulfilled packet is paid for with a signed cumulative claim as soon as it
 * is fulfilled (channel-core's settleAsSent, never ahead of what was delivered), so the payer's
 * balance at the connector stays near zero and no credit limit stops a payment of any size.
 * The channel (opened with a deposit on the first payment, topped up as needed) and the claim
 * key live in the claim store file, so the next `stack pay` goes on with the same channel.
 */
import { DAY_MS, settleAsSent, type ClaimCarrier } from '@stack/channel-core'
import { SqliteChannel, SqliteClaimStore } from '@stack/channel-sqlite'
import type { Asset } from '@stack/ilp-core'
import { SqliteLedger } from '@stack/ledger-sqlite'
import { money } from './format.js'

export interface LedgerSettlementOptions {
  /** The ledger file the connector settles on. */
  readonly ledger: string
  /** Our account on it (pays), and the connector's (receives). */
  readonly account: string
  readonly connectorAccount: string
  /** Our claim store: the channel's key and what it has paid so far. */
  readonly claims: string
}

/** The settlement over --ledger could not be set up or a payment over it failed; the message names which and why. */
export class SettlementError extends Error {
  override readonly name = 'SettlementError'
}

export interface LedgerSettlement {
  /** Pays the connector up to `amountSent` (the payment's fulfilled total so far). */
  settleUpTo(amountSent: bigint): void
  /** Waits until everything asked for is paid; what was paid. Throws SettlementError. */
  settled(): Promise<bigint>
  /** The channel and its cumulative total, for the summary. */
  channel(): { channelId: string; sent: bigint } | undefined
  close(): Promise<void>
}

/** The settle delay of the channel we open: the connector's time to redeem once we ask to close. */
const SETTLE_DELAY_MS = DAY_MS

/**
 * Opens the ledger and our side of the channel over `carrier` (the BTP uplink). `payment`: the
 * most this payment may send, and the deposit of a channel opened now or of a top-up (at least
 * `maxSource` is checked to be there). `onFailure`: a payment over the channel failed (the caller
 * stops sending packets nobody will pay for).
 */
export async function openLedgerSettlement(
  options: LedgerSettlementOptions,
  carrier: ClaimCarrier,
  asset: Asset,
  payment: { maxSource: bigint; deposit: bigint },
  onFailure: (error: SettlementError) => void,
): Promise<LedgerSettlement> {
  const ledger = attempt(() => SqliteLedger.open(options.ledger), `--ledger ${options.ledger}`)
  let store: SqliteClaimStore | undefined
  try {
    if (ledger.asset.code !== asset.code || ledger.asset.scale !== asset.scale) {
      throw new SettlementError(`--ledger ${options.ledger} is in ${ledger.asset.code} (scale ${ledger.asset.scale}), but the connector keeps your account in ${asset.code} (scale ${asset.scale})`)
    }
    const [ours] = await Promise.all(
      ([['--account', options.account], ['--connector-account', options.connectorAccount]] as const).map(([flag, id]) =>
        ledger.getAccount(id).catch((error: unknown) => {
          throw new SettlementError(`${flag} ${id}: no such account on the ledger ${options.ledger} (${describe(error)})`)
        }),
      ),
    )
    const opened = attempt(() => SqliteClaimStore.open(options.claims, { account: options.account, peerAccount: options.connectorAccount }), `--claims ${options.claims}`)
    store = opened
    const channel = new SqliteChannel({
      ledger,
      account: options.account,
      peerAccount: options.connectorAccount,
      carrier,
      store: opened,
      funding: { deposit: payment.deposit, settleDelayMs: SETTLE_DELAY_MS },
    })
    // Refused before a packet goes out, rather than paid on credit and left owing: what the
    // channel has left, then what the account can add (one top-up of the deposit, at least).
    const outgoing = channel.summary().outgoing
    const open = outgoing === undefined ? undefined : await ledger.getChannel(outgoing.channelId).catch(() => undefined)
    const left = open?.status === 'open' && outgoing !== undefined ? open.deposit - outgoing.sent : 0n
    const available = (ours?.balance ?? 0n) + (ours?.creditLimit ?? 0n)
    const topUp = left >= payment.maxSource ? 0n : payment.deposit > payment.maxSource - left ? payment.deposit : payment.maxSource - left
    if (topUp > available) {
      await channel.stop()
      throw new SettlementError(
        `${options.account} has ${money(available, asset)} on the ledger ${options.ledger}${left > 0n ? ` and ${money(left, asset)} left in its channel` : ''}: this payment may need ${money(topUp, asset)} more in the channel (mint or transfer to ${options.account}, or pay less)`,
      )
    }
    const failed = (error: unknown): SettlementError =>
      error instanceof SettlementError
        ? error
        : new SettlementError(`could not pay the connector over the ledger channel (${options.account} → ${options.connectorAccount} on ${options.ledger}): ${describe(error)}`)
    const settler = settleAsSent(channel, { onFailure: (error) => onFailure(failed(error)) })
    return {
      settleUpTo: (amountSent) => settler.settleUpTo(amountSent),
      settled: () => settler.settled().then(() => settler.paid(), (error: unknown) => Promise.reject(failed(error))),
      channel: () => channel.summary().outgoing,
      close: async () => {
        try {
          await channel.stop()
        } finally {
          opened.close()
          ledger.close()
        }
      },
    }
  } catch (error) {
    store?.close()
    ledger.close()
    throw error
  }
}

/** The deposit of a channel or top-up: --deposit (checked by pay), else the most this payment may send. */
export function depositFor(deposit: bigint | undefined, maxSourceAmount: bigint): bigint {
  return deposit ?? (maxSourceAmount > 0n ? maxSourceAmount : 1n)
}

function attempt<T>(open: () => T, what: string): T {
  try {
    return open()
  } catch (error) {
    throw new SettlementError(`${what}: ${describe(error)}`)
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
