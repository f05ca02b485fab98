import type { Channel } from '@stack/channel-core'
import type { StaleHold } from '@stack/ilp-shared-balances'
import { describe, expect, it } from 'vitest'
import { leasedChannel, SettlementLeaseHeldError, type SettlementLease } from '../src/cluster-lease.js'
import { RecoveringLease, SettlementRecoveryPendingError, settleLoop, type StaleHoldStore } from '../src/cluster-recovery.js'
import { createLogger } from '../src/logger.js'

// The recovery a new tenure of a peer's settlement lock begins with, on a lease and a store
// played here: what is called, in which order, and what a payment's check answers meanwhile.

function fakes(stale: StaleHold[] = []): { lease: SettlementLease & { mine: boolean; tenureNow: number }; store: StaleHoldStore; calls: string[] } {
  const calls: string[] = []
  const lease = {
    mine: true,
    tenureNow: 1,
    hold: async () => lease.mine,
    tenure: () => lease.tenureNow,
    close: async () => undefined,
  }
  const store: StaleHoldStore = {
    staleHolds: async (peer) => (calls.push(`stale ${peer}`), stale),
    releaseStale: async (peer) => (calls.push(`release ${peer}`), stale.splice(0)),
  }
  return { lease, store, calls }
}

const withTotals: Channel = { sendValue: async () => undefined, setValueHandler: () => undefined, totals: () => ({ sent: 0n, received: 0n }) }
const withoutTotals: Channel = { sendValue: async () => undefined, setValueHandler: () => undefined }
const logger = createLogger('silent')

/** A logger whose warnings (fields, message) land in `lines`. */
function recordingLogger(): { logger: typeof logger; lines: unknown[] } {
  const lines: unknown[] = []
  const child = createLogger('warn')
  child.warn = ((fields: unknown, message: string) => void lines.push([fields, message])) as typeof child.warn
  return { logger: { child: () => child } as unknown as typeof logger, lines }
}

describe('RecoveringLease', () => {
  it('refuses payments in a tenure until it recovered: the books take the totals, then the stale holds go', async () => {
    const { lease, store, calls } = fakes([{ id: 'a:old:1', peerId: 'bob', delta: -500n }])
    const recovering = new RecoveringLease(lease, store, logger)
    const peer = { channel: withTotals, reconcile: async () => void calls.push('reconcile') }
    await expect(recovering.hold('bob')).rejects.toThrow(SettlementRecoveryPendingError)
    expect(await recovering.acquire('bob', peer)).toBe(true)
    expect(calls).toEqual(['reconcile', 'release bob'])
    expect(await recovering.hold('bob')).toBe(true)
    // Kept: nothing again.
    expect(await recovering.acquire('bob', peer)).toBe(true)
    expect(calls).toHaveLength(2)
    // Lost and taken again: a new tenure, recovered anew before any payment.
    lease.mine = false
    expect(await recovering.hold('bob')).toBe(false)
    expect(await recovering.acquire('bob', peer)).toBe(false)
    lease.mine = true
    lease.tenureNow = 2
    await expect(recovering.hold('bob')).rejects.toMatchObject({ name: 'SettlementRecoveryPendingError', peerId: 'bob' })
    expect(await recovering.acquire('bob', peer)).toBe(true)
    expect(calls).toEqual(['reconcile', 'release bob', 'reconcile', 'release bob'])
  })

  it('makes its channel refuse a payment, sending nothing, until the tenure recovered', async () => {
    const { lease, store } = fakes()
    const recovering = new RecoveringLease(lease, store, logger)
    const sent: bigint[] = []
    const channel: Channel = { ...withTotals, sendValue: async (amount) => void sent.push(amount) }
    const leased = leasedChannel(channel, 'bob', recovering)
    await expect(leased.sendValue(5n)).rejects.toThrow(SettlementRecoveryPendingError)
    lease.mine = false
    await expect(leased.sendValue(5n)).rejects.toThrow(SettlementLeaseHeldError)
    lease.mine = true
    expect(await recovering.acquire('bob', { channel, reconcile: async () => undefined })).toBe(true)
    await leased.sendValue(5n)
    expect(sent).toEqual([5n])
  })

  it('leaves the holds of a channel without totals pending, and says so', async () => {
    const { lease, store, calls } = fakes([{ id: 'a:old:1', peerId: 'bob', delta: -500n }])
    const { logger: recording, lines } = recordingLogger()
    const recovering = new RecoveringLease(lease, store, recording)
    expect(await recovering.acquire('bob', { channel: withoutTotals, reconcile: async () => void calls.push('reconcile') })).toBe(true)
    expect(calls).toEqual(['reconcile', 'stale bob'])
    expect(lines).toEqual([[{ peer: 'bob', holds: { 'a:old:1': '-500' } }, expect.stringContaining('stay pending')]])
  })

  it('does not count a failed recovery (logged once while it keeps failing), nor one whose lock was lost meanwhile', async () => {
    const { lease, store, calls } = fakes()
    const { logger: recording, lines } = recordingLogger()
    const recovering = new RecoveringLease(lease, store, recording)
    let fail = true
    const peer = {
      channel: withTotals,
      reconcile: async () => {
        if (fail) throw Object.assign(new Error('behind'), { name: 'SettledTotalsBehindError' })
      },
    }
    expect(await recovering.acquire('bob', peer)).toBe(false)
    expect(await recovering.acquire('bob', peer)).toBe(false)
    expect(calls).toEqual([])
    expect(lines).toEqual([[expect.objectContaining({ peer: 'bob' }), expect.stringContaining('could not recover')]])
    await expect(recovering.hold('bob')).rejects.toThrow(SettlementRecoveryPendingError)
    fail = false
    const losing = { ...peer, reconcile: async () => void (lease.tenureNow = 3) }
    expect(await recovering.acquire('bob', losing)).toBe(false)
    await expect(recovering.hold('bob')).rejects.toThrow(SettlementRecoveryPendingError)
    expect(await recovering.acquire('bob', peer)).toBe(true)
    expect(await recovering.hold('bob')).toBe(true)
  })

  it('settleLoop takes the lock before it settles a leased channel, and settles only peers with a threshold', async () => {
    const { lease, store } = fakes()
    const recovering = new RecoveringLease(lease, store, logger)
    const settled: string[] = []
    const order: string[] = []
    const peers = [
      { id: 'bob', settles: true, leased: true, channel: withTotals, reconcile: async () => void order.push('reconcile bob') },
      { id: 'carol', settles: false, leased: true, channel: withTotals, reconcile: async () => void order.push('reconcile carol') },
      { id: 'dave', settles: true, leased: false, channel: withTotals, reconcile: async () => void order.push('reconcile dave') },
    ]
    const stop = settleLoop(peers, (id) => (settled.push(id), order.push(`settle ${id}`)), 10_000, recovering)
    await new Promise((resolve) => setTimeout(resolve, 50))
    stop()
    expect(order).toEqual(['reconcile bob', 'settle bob', 'reconcile carol', 'settle dave'])
    expect(await recovering.hold('carol')).toBe(true)
  })
})
