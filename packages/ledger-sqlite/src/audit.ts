import type Database from 'better-sqlite3'
import { CHANNELS_ACCOUNT, ISSUANCE_ACCOUNT } from './schema.js'

export interface AuditReport {
  /** True when no problem was found. */
  readonly ok: boolean
  /** One line per disagreement between the journal and the stored state. */
  readonly problems: readonly string[]
  /** Everything ever issued: minus the `@issuance` balance. */
  readonly minted: bigint
  /** The sum of the user accounts' balances. */
  readonly held: bigint
  /** What the open and closing channels hold: the `@channels` balance. */
  readonly locked: bigint
  readonly entries: number
}

/**
 * Recomputes the ledger from its journal inside one read transaction and compares:
 * every entry sums to zero; every balance is the sum of its postings; all balances sum to
 * zero (so held + locked = minted); no user account is below minus its credit limit; each
 * channel has 0 ≤ claimed ≤ deposit, its postings match its deposit, claims and close; and
 * `@channels` holds exactly deposit − claimed of every channel not closed. Also SQLite's own
 * `quick_check`.
 */
export function audit(db: Database.Database): AuditReport {
  return db.transaction(() => {
    const problems: string[] = []
    const integrity = db.pragma('quick_check', { simple: true })
    if (integrity !== 'ok') problems.push(`sqlite quick_check: ${String(integrity)}`)

    const entrySums = new Map<number, bigint>()
    const accountSums = new Map<string, bigint>()
    const channelFlows = new Map<string, { into: bigint; claimed: bigint; returned: bigint }>()
    const postings = db
      .prepare('SELECT p.entry_id, p.account_id, p.amount, e.kind, e.channel_id FROM postings p JOIN entries e ON e.id = p.entry_id')
      .all() as { entry_id: number; account_id: string; amount: string; kind: string; channel_id: string | null }[]
    for (const posting of postings) {
      const amount = BigInt(posting.amount)
      entrySums.set(posting.entry_id, (entrySums.get(posting.entry_id) ?? 0n) + amount)
      accountSums.set(posting.account_id, (accountSums.get(posting.account_id) ?? 0n) + amount)
      if (posting.channel_id !== null && posting.account_id === CHANNELS_ACCOUNT) {
        const flow = channelFlows.get(posting.channel_id) ?? { into: 0n, claimed: 0n, returned: 0n }
        if (posting.kind === 'channel-create' || posting.kind === 'channel-fund') flow.into += amount
        else if (posting.kind === 'channel-claim') flow.claimed -= amount
        else if (posting.kind === 'channel-close') flow.returned -= amount
        channelFlows.set(posting.channel_id, flow)
      }
    }
    for (const [entryId, sum] of entrySums) if (sum !== 0n) problems.push(`entry ${entryId} is unbalanced by ${sum}`)
    const entries = (db.prepare('SELECT count(*) AS n FROM entries').get() as { n: number }).n

    const accounts = db.prepare('SELECT id, kind, balance, credit_limit FROM accounts').all() as {
      id: string
      kind: string
      balance: string
      credit_limit: string | null
    }[]
    let total = 0n
    let held = 0n
    let minted = 0n
    let locked = 0n
    for (const account of accounts) {
      const balance = BigInt(account.balance)
      total += balance
      const fromJournal = accountSums.get(account.id) ?? 0n
      if (balance !== fromJournal) problems.push(`account ${account.id}: balance ${balance}, journal says ${fromJournal}`)
      if (account.credit_limit !== null && balance < -BigInt(account.credit_limit)) {
        problems.push(`account ${account.id}: balance ${balance} is below minus its credit limit ${account.credit_limit}`)
      }
      if (account.kind === 'user') held += balance
      if (account.id === ISSUANCE_ACCOUNT) minted = -balance
      if (account.id === CHANNELS_ACCOUNT) locked = balance
    }
    if (total !== 0n) problems.push(`balances sum to ${total}, not 0`)

    const channels = db.prepare('SELECT id, deposit, claimed, status FROM channels').all() as {
      id: string
      deposit: string
      claimed: string
      status: string
    }[]
    let lockedByChannels = 0n
    for (const channel of channels) {
      const deposit = BigInt(channel.deposit)
      const claimed = BigInt(channel.claimed)
      const flow = channelFlows.get(channel.id) ?? { into: 0n, claimed: 0n, returned: 0n }
      if (claimed < 0n || claimed > deposit) problems.push(`channel ${channel.id}: claimed ${claimed} outside 0..${deposit}`)
      if (flow.into !== deposit) problems.push(`channel ${channel.id}: deposit ${deposit}, journal locked ${flow.into}`)
      if (flow.claimed !== claimed) problems.push(`channel ${channel.id}: claimed ${claimed}, journal paid ${flow.claimed}`)
      const expectedReturn = channel.status === 'closed' ? deposit - claimed : 0n
      if (flow.returned !== expectedReturn) {
        problems.push(`channel ${channel.id} (${channel.status}): journal returned ${flow.returned}, expected ${expectedReturn}`)
      }
      if (channel.status !== 'closed') lockedByChannels += deposit - claimed
    }
    if (lockedByChannels !== locked) problems.push(`${CHANNELS_ACCOUNT} holds ${locked}, the channels ${lockedByChannels}`)

    return { ok: problems.length === 0, problems, minted, held, locked, entries }
  })()
}
