import { randomBytes } from 'node:crypto'
import {
  ChannelClosedError,
  ChannelClosingError,
  ChannelNotFoundError,
  checkAccountId,
  checkAmount,
  checkIdempotencyKey,
  ClaimExceedsDepositError,
  ClaimNotIncreasingError,
  CloseNotRequestedError,
  InvalidArgumentError,
  InvalidClaimSignatureError,
  SettleDelayNotElapsedError,
  UnknownAccountError,
  type ChannelClaim,
  type ClaimResult,
  type CreateChannelRequest,
  type FundChannelRequest,
  type PaymentChannel,
  type RequestChannelCloseRequest
} from '@stack/ledger-core'
import { checkPublicKey, isChannelId, verifyClaim } from './claim.js'
import type { Journal } from './journal.js'
import { CHANNELS_ACCOUNT } from './schema.js'

interface ChannelRecord {
  id: string
  sender: string
  receiver: string
  public_key: Buffer
  deposit: string
  claimed: string
  settle_delay_ms: number
  status: 'open' | 'closing' | 'closed'
  closes_at: number | null
  created_at: number
  closed_at: number | null
}

// Keeps `now + settleDelayMs` a safe integer for any clock this century.
const MAX_SETTLE_DELAY_MS = 2 ** 42

/**
 * Unidirectional payment channels in the style of the XRP Ledger's: a deposit locked in
 * `@channels`, claims signed by the sender that pay the receiver their growth, a close
 * requested by either side (the sender's after the settle delay), the remainder back to the
 * sender. Each operation is one transaction of the journal.
 */
export class Channels {
  private readonly journal: Journal
  private readonly now: () => number

  constructor(journal: Journal, now: () => number) {
    this.journal = journal
    this.now = now
  }

  create(request: CreateChannelRequest): PaymentChannel {
    const idempotencyKey = checkIdempotencyKey('idempotencyKey', request.idempotencyKey)
    const sender = checkAccountId('sender', request.sender)
    const receiver = checkAccountId('receiver', request.receiver)
    if (sender === receiver) throw new InvalidArgumentError('receiver', receiver, 'must differ from the sender')
    const amount = checkAmount('amount', request.amount)
    const publicKey = checkPublicKey('publicKey', request.publicKey)
    const settleDelayMs = request.settleDelayMs
    if (!Number.isSafeInteger(settleDelayMs) || settleDelayMs < 0 || settleDelayMs > MAX_SETTLE_DELAY_MS) {
      throw new InvalidArgumentError('settleDelayMs', settleDelayMs, 'must be an integer in 0..2^42 (about 139 years)')
    }
    const body = JSON.stringify({ sender, receiver, amount: String(amount), publicKey: Buffer.from(publicKey).toString('hex'), settleDelayMs })
    return this.journal.write(() => {
      const previous = this.journal.recall(idempotencyKey, 'create-channel', body)
      if (previous !== undefined) return this.get(previous)
      for (const id of [sender, receiver]) {
        if (this.journal.findAccount(id)?.kind !== 'user') throw new UnknownAccountError(id)
      }
      const id = randomBytes(32).toString('hex')
      const createdAt = this.now()
      this.journal.db
        .prepare(
          `INSERT INTO channels (id, sender, receiver, public_key, deposit, claimed, settle_delay_ms, status, closes_at, created_at, closed_at)
           VALUES (?, ?, ?, ?, ?, '0', ?, 'open', NULL, ?, NULL)`
        )
        .run(id, sender, receiver, Buffer.from(publicKey), String(amount), settleDelayMs, createdAt)
      this.journal.post('channel-create', [[sender, -amount], [CHANNELS_ACCOUNT, amount]], { channelId: id, createdAt })
      this.journal.remember(idempotencyKey, 'create-channel', body, id, createdAt)
      return this.get(id)
    })
  }

  fund(request: FundChannelRequest): PaymentChannel {
    const idempotencyKey = checkIdempotencyKey('idempotencyKey', request.idempotencyKey)
    const amount = checkAmount('amount', request.amount)
    const channelId = request.channelId
    const body = JSON.stringify({ channelId, amount: String(amount) })
    return this.journal.write(() => {
      const previous = this.journal.recall(idempotencyKey, 'fund-channel', body)
      if (previous !== undefined) return this.get(previous)
      const channel = this.channelRecord(channelId)
      const now = this.now()
      this.checkOpen(channel, now)
      if (channel.status === 'closing') throw new ChannelClosingError(channel.id, channel.closes_at ?? now)
      this.journal.post('channel-fund', [[channel.sender, -amount], [CHANNELS_ACCOUNT, amount]], { channelId, createdAt: now })
      this.journal.db.prepare('UPDATE channels SET deposit = ? WHERE id = ?').run(String(BigInt(channel.deposit) + amount), channelId)
      this.journal.remember(idempotencyKey, 'fund-channel', body, channelId, now)
      return this.get(channelId)
    })
  }

  claim(claim: ChannelClaim): ClaimResult {
    const amount = checkAmount('amount', claim.amount)
    return this.journal.write(() => {
      const channel = this.channelRecord(claim.channelId)
      const now = this.now()
      this.checkOpen(channel, now)
      const paid = this.redeem(channel, amount, claim.signature, now)
      return { channel: this.get(channel.id), paid }
    })
  }

  requestClose(request: RequestChannelCloseRequest): PaymentChannel {
    if (request.by !== 'sender' && request.by !== 'receiver') {
      throw new InvalidArgumentError('by', request.by, 'must be "sender" or "receiver"')
    }
    if (request.claim !== undefined && request.by !== 'receiver') {
      throw new InvalidArgumentError('claim', request.claim, 'only the receiver redeems a claim')
    }
    const claimAmount = request.claim === undefined ? undefined : checkAmount('claim.amount', request.claim.amount)
    return this.journal.write(() => {
      const channel = this.channelRecord(request.channelId)
      const now = this.now()
      if (channel.status === 'closed') throw new ChannelClosedError(channel.id)
      if (request.by === 'receiver') {
        if (request.claim !== undefined && claimAmount !== undefined) {
          this.checkOpen(channel, now)
          this.redeem(channel, claimAmount, request.claim.signature, now)
        }
        this.settle(this.channelRecord(channel.id), now)
      } else if (BigInt(channel.claimed) === BigInt(channel.deposit)) {
        // Nothing left for the receiver to redeem: no reason to wait (the XRP Ledger does the same).
        this.settle(channel, now)
      } else if (channel.status === 'open') {
        this.journal.db.prepare(`UPDATE channels SET status = 'closing', closes_at = ? WHERE id = ?`).run(now + channel.settle_delay_ms, channel.id)
      }
      // Already closing: the earlier end stands.
      return this.get(channel.id)
    })
  }

  close(channelId: string): PaymentChannel {
    return this.journal.write(() => {
      const channel = this.channelRecord(channelId)
      const now = this.now()
      if (channel.status === 'closed') throw new ChannelClosedError(channel.id)
      if (channel.status === 'open' || channel.closes_at === null) throw new CloseNotRequestedError(channel.id)
      if (now < channel.closes_at) throw new SettleDelayNotElapsedError(channel.id, channel.closes_at, now)
      this.settle(channel, now)
      return this.get(channel.id)
    })
  }

  /** Every channel, oldest first. */
  list(): PaymentChannel[] {
    const rows = this.journal.db.prepare('SELECT * FROM channels ORDER BY created_at, id').all() as ChannelRecord[]
    return rows.map(toChannel)
  }

  private channelRecord(channelId: string): ChannelRecord {
    const row = isChannelId(channelId) ? (this.journal.db.prepare('SELECT * FROM channels WHERE id = ?').get(channelId) as ChannelRecord | undefined) : undefined
    if (row === undefined) throw new ChannelNotFoundError(String(channelId))
    return row
  }

  get(channelId: string): PaymentChannel {
    return toChannel(this.channelRecord(channelId))
  }

  /** Closed, or closing with its settle delay run out: the channel takes no more funds and no more claims. */
  private checkOpen(channel: ChannelRecord, now: number): void {
    if (channel.status === 'closed') throw new ChannelClosedError(channel.id)
    if (channel.status === 'closing' && channel.closes_at !== null && now >= channel.closes_at) throw new ChannelClosedError(channel.id)
  }

  /** Verifies a claim and pays the receiver its growth. Signature first: a forged claim learns nothing about the channel. */
  private redeem(channel: ChannelRecord, amount: bigint, signature: Uint8Array, now: number): bigint {
    if (!verifyClaim(Uint8Array.from(channel.public_key), channel.id, amount, signature)) {
      throw new InvalidClaimSignatureError(channel.id, amount)
    }
    const claimed = BigInt(channel.claimed)
    const deposit = BigInt(channel.deposit)
    if (amount <= claimed) throw new ClaimNotIncreasingError(channel.id, amount, claimed)
    if (amount > deposit) throw new ClaimExceedsDepositError(channel.id, amount, deposit)
    const paid = amount - claimed
    this.journal.post('channel-claim', [[CHANNELS_ACCOUNT, -paid], [channel.receiver, paid]], { channelId: channel.id, createdAt: now })
    this.journal.db.prepare('UPDATE channels SET claimed = ? WHERE id = ?').run(String(amount), channel.id)
    return paid
  }

  /** Returns the remainder to the sender and marks the channel closed. */
  private settle(channel: ChannelRecord, now: number): void {
    const remainder = BigInt(channel.deposit) - BigInt(channel.claimed)
    if (remainder > 0n) {
      this.journal.post('channel-close', [[CHANNELS_ACCOUNT, -remainder], [channel.sender, remainder]], { channelId: channel.id, createdAt: now })
    }
    this.journal.db.prepare(`UPDATE channels SET status = 'closed', closed_at = ? WHERE id = ?`).run(now, channel.id)
  }
}

function toChannel(row: ChannelRecord): PaymentChannel {
  return {
    id: row.id,
    sender: row.sender,
    receiver: row.receiver,
    publicKey: Uint8Array.from(row.public_key),
    deposit: BigInt(row.deposit),
    claimed: BigInt(row.claimed),
    settleDelayMs: row.settle_delay_ms,
    status: row.status,
    closesAt: row.closes_at ?? undefined,
    createdAt: row.created_at,
    closedAt: row.closed_at ?? undefined
  }
}
