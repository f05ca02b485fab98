import { IlpError, IlpErrorCode, IlpPacketType, InsufficientBalanceError, type BalanceStore, type IlpReply, type Reservation } from '@stack/ilp-core'
import type { IncomingContext, OutgoingContext, Rule } from '../pipeline.js'
import type { Settlement } from '../settlement.js'

/**
 * The source's side (RFC 0027 lifecycle step 4, RFC 0032 §"Maximum Balance"): a Prepare from
 * peer P holds −amount on P's balance (what we owe P; see ilp-core's balance-store.ts), refused with T04
 * Insufficient Liquidity if that would take it below P's minimum. A Fulfill commits the hold;
 * a Reject, a thrown error, or a Fulfill that can no longer reach P (its link closed) releases
 * it — we do not charge P for a Fulfill P never got.
 */
export function incomingBalanceRule(store: BalanceStore): Rule<IncomingContext> {
  return async (ctx, next) => {
    const { source, prepare } = ctx
    if (prepare.amount === 0n) return next(ctx)
    let hold: Reservation
    try {
      const held = store.reserve(source.id, -prepare.amount, source.minBalance, prepare.expiresAt)
      hold = held instanceof Promise ? await held : held
    } catch (error) {
      if (!(error instanceof InsufficientBalanceError)) throw error
      // Names the limit, so the sender (`stack pay`) can say why it stopped, not only that it did.
      const units = (amount: bigint): string => `${decimal(amount, source.asset.scale)} ${source.asset.code}`
      throw new IlpError(
        IlpErrorCode.T04_INSUFFICIENT_LIQUIDITY,
        `credit limit of ${units(-error.minBalance)} reached for peer ${source.id} (balance ${units(error.available)}, this packet ${units(prepare.amount)}): it must settle, or its minBalance be lowered`,
        { cause: error },
      )
    }
    return settle(hold, () => ctx.signal?.aborted !== true, () => next(ctx))
  }
}

/** `amount` base units at `scale` as a decimal: 10000000 at 6 → 10.000000. */
function decimal(amount: bigint, scale: number): string {
  const sign = amount < 0n ? '-' : ''
  const digits = (amount < 0n ? -amount : amount).toString().padStart(scale + 1, '0')
  return scale === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`
}

/**
 * The destination's side: a Prepare forwarded to peer Q holds +amount on Q's balance, committed
 * when Q's Fulfill comes back valid and in time (what we then owe Q), released otherwise. After
 * a commit, Q may be due a settlement (RFC 0032 §"Settlement Threshold").
 */
export function outgoingBalanceRule(store: BalanceStore, settlement: Settlement): Rule<OutgoingContext> {
  return async (ctx, next) => {
    const { destination, prepare } = ctx
    if (prepare.amount === 0n) return next(ctx)
    const held = store.reserve(destination.id, prepare.amount, undefined, prepare.expiresAt)
    const hold = held instanceof Promise ? await held : held
    const reply = await settle(hold, () => true, () => next(ctx))
    if (hold.state === 'committed') void settlement.maybeSettle(destination)
    return reply
  }
}

// Resolves the hold exactly once from the reply: commit on a Fulfill (if `mayCommit`),
// release on anything else. The hold's own state guards against a second resolution. A
// commit that fails (the store is unreachable) rejects the packet: the release after it is
// then a no-op in a store that did commit, and the hold's expiry releases it in one that
// cannot be reached (ilp-core's balance-store.ts). A synchronous store's answers are not awaited: `await`
// on a plain value costs a promise and a microtask, four per packet on the hot path.
async function settle(hold: Reservation, mayCommit: () => boolean, forward: () => Promise<IlpReply>): Promise<IlpReply> {
  try {
    const reply = await forward()
    if (reply.type === IlpPacketType.Fulfill && mayCommit()) {
      // Only a shared store answers false here: it released the hold at its expiry, taking
      // this instance for gone. The Fulfill is not counted, so it is not passed on.
      const committed = hold.commit()
      if (!(committed instanceof Promise ? await committed : committed) && hold.state !== 'committed') throw new IlpError(IlpErrorCode.T00_INTERNAL_ERROR, `the hold on peer ${hold.peerId} expired in the balance store before its Fulfill`)
    } else {
      const released = hold.release()
      if (released instanceof Promise) await released
    }
    return reply
  } catch (error) {
    await release(hold)
    throw error
  }
}

// After a failure: the packet's own error is the one to pass on, not the store's.
async function release(hold: Reservation): Promise<void> {
  try {
    await hold.release()
  } catch {
    // The store is unreachable: the hold's expiry releases it there.
  }
}
