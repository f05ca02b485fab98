import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { IlpPacketType } from '@stack/ilp-core'
import { SqliteLedger } from '@stack/ledger-sqlite'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { InvalidConfigError, validateConfig } from '../src/config.js'
import type { ConnectorNode } from '../src/node.js'
import { host, intents, node, stopAll, token, waitFor, type Host } from './harness.js'

const USD2 = { code: 'USD', scale: 2 }
const MINTED = 1_000_000n
const DAY_MS = 86_400_000

// sender — A —BTP— B — receiver, all USD/2. A and B keep accounts conn-a and conn-b on one
// embedded ledger file; A pays B with payment-channel claims on its BTP link once it owes
// B 1 000 (settleThreshold), B credits them to A's balance and redeems them on the ledger.
describe('settlement over a sqlite payment channel between two connectors', () => {
  let dir: string
  let ledgerFile: string
  let a: ConnectorNode | undefined
  let b: ConnectorNode | undefined
  let sender: Host | undefined
  let receiver: Host | undefined

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'connector-settlement-'))
    ledgerFile = join(dir, 'usd.ledger')
    const ledger = SqliteLedger.create(ledgerFile, { asset: USD2 })
    await ledger.createAccount('conn-a')
    await ledger.createAccount('conn-b')
    await ledger.mint({ account: 'conn-a', amount: MINTED })
    ledger.close()
  })

  afterEach(async () => {
    await stopAll(sender, receiver, a, b)
    a = b = sender = receiver = undefined
    rmSync(dir, { recursive: true, force: true })
  })

  async function start(bSettlement: Record<string, unknown>): Promise<void> {
    const tokens = { sender: token(), b: token(), receiver: token() }
    a = await node({
      address: 'test.a',
      asset: USD2,
      listen: { btp: { port: 0 } },
      peers: [
        { id: 'sender', relation: 'child', btp: { token: tokens.sender } },
        {
          id: 'b', relation: 'peer', btp: { token: tokens.b }, settleThreshold: '1000', settleTo: '0',
          settlement: { kind: 'sqlite', ledger: ledgerFile, account: 'conn-a', peerAccount: 'conn-b', claims: join(dir, 'a.claims'), deposit: '100000', settleDelayMs: DAY_MS, watchIntervalMs: 50 },
        },
      ],
      routes: [{ prefix: 'test.b', peer: 'b' }],
    })
    b = await node({
      address: 'test.b',
      asset: USD2,
      listen: { btp: { port: 0 } },
      peers: [
        {
          id: 'a', relation: 'peer', btp: { url: `btp+ws://b:${tokens.b}@127.0.0.1:${a.ports.btp}` },
          // B only receives: no deposit, no channel of its own.
          settlement: { kind: 'sqlite', ledger: ledgerFile, account: 'conn-b', peerAccount: 'conn-a', claims: join(dir, 'b.claims'), watchIntervalMs: 50, ...bSettlement },
        },
        { id: 'receiver', relation: 'child', btp: { token: tokens.receiver } },
      ],
    })
    await a.whenConnected(5_000, ['b'])
    await b.whenConnected(5_000, ['a'])
    const shared = intents()
    sender = await host(`btp+ws://sender:${tokens.sender}@127.0.0.1:${a.ports.btp}`, shared)
    receiver = await host(`btp+ws://receiver:${tokens.receiver}@127.0.0.1:${b.ports.btp}`, shared)
  }

  /** Six payments of 4.00: A owes B 2 400 in all and settles twice, 1 200 each time. */
  async function pay(): Promise<void> {
    for (let i = 0; i < 6; i++) {
      const reply = await sender?.pay('test.b.receiver', 400n, 'fulfill')
      expect(reply?.type).toBe(IlpPacketType.Fulfill)
    }
    await waitFor(() => a?.connector.counters().settlement.sent === 2, 5_000, 'A to settle twice')
  }

  function ledgerView(): SqliteLedger {
    return SqliteLedger.open(ledgerFile)
  }

  it('settles at the threshold with claims, credits them to the peer’s balance, and redeems on the ledger', async () => {
    await start({ idleRedeemMs: 300 })
    await pay()
    // A owes B nothing more; B counts A's claims against what A's packets cost it.
    expect(a?.connector.balances().b?.balance).toBe(0n)
    expect(b?.connector.balances().a?.balance).toBe(0n)
    expect(a?.connector.counters().settlement).toMatchObject({ sent: 2, sentAmount: 2_400n, failed: 0 })
    expect(b?.connector.counters().settlement).toMatchObject({ received: 2, receivedAmount: 2_400n })
    expect(receiver?.delivered.reduce((sum, amount) => sum + amount, 0n)).toBe(2_400n)

    const ledger = ledgerView()
    try {
      const [channel] = await ledger.listChannels()
      expect(channel).toMatchObject({ sender: 'conn-a', receiver: 'conn-b', deposit: 100_000n, status: 'open' })
      // No newer claim for 300 ms: B's watcher redeems the best one.
      await expect.poll(() => ledger.getBalance('conn-b'), { timeout: 5_000, interval: 50 }).toBe(2_400n)
      expect(await ledger.getBalance('conn-a')).toBe(MINTED - 100_000n)
      expect(ledger.audit().ok).toBe(true)
    } finally {
      ledger.close()
    }
  })

  it('redeems the claims of a peer that disappears and asks to close, before the settle delay ends', async () => {
    await start({}) // B redeems neither by threshold nor when idle: only the dispute makes it
    await pay()
    await a?.kill() // A vanishes …
    a = undefined
    const ledger = ledgerView()
    try {
      const [channel] = await ledger.listChannels()
      expect(await ledger.getBalance('conn-b')).toBe(0n)
      // … after asking the ledger to close its channel, hoping B misses the day-long window.
      await ledger.requestChannelClose({ channelId: channel?.id ?? '', by: 'sender' })
      await expect.poll(() => ledger.getBalance('conn-b'), { timeout: 5_000, interval: 50 }).toBe(2_400n)
      expect(await ledger.getChannel(channel?.id ?? '')).toMatchObject({ status: 'closed', claimed: 2_400n })
      expect(await ledger.getBalance('conn-a')).toBe(MINTED - 2_400n) // the rest came back at once
      expect(ledger.audit().ok).toBe(true)
    } finally {
      ledger.close()
    }
  })
})

describe('peers[].settlement in the configuration', () => {
  const settlement = { kind: 'sqlite', ledger: 'usd.ledger', account: 'conn-a', peerAccount: 'conn-b', claims: 'a.claims', deposit: '5000', settleDelayMs: 60_000 }
  const doc = (peer: Record<string, unknown>) => ({ address: 'test.a', asset: USD2, listen: { btp: { port: 0 }, http: { port: 0 } }, peers: [{ id: 'b', relation: 'peer', ...peer }] })

  it('takes files beside the configuration file and fills in the watch interval', () => {
    const config = validateConfig(doc({ btp: { token: 't' }, settlement }), { configDir: '/etc/node' })
    expect(config.peers[0]?.settlement).toEqual({ ...settlement, ledger: '/etc/node/usd.ledger', claims: '/etc/node/a.claims', deposit: 5_000n, watchIntervalMs: 1_000 })
  })

  it('takes it on an HTTP peer (its messages ride peer.settle), and names every bad field', () => {
    const http = { url: 'http://127.0.0.1:1', token: 't', incomingToken: 'u' }
    let error: unknown
    try {
      validateConfig(doc({ http, settlement: { ...settlement, deposit: '0', claims: undefined } }))
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(InvalidConfigError)
    expect((error as InvalidConfigError).issues.map((issue) => issue.path).sort()).toEqual([
      'peers[0].settlement.claims',
      'peers[0].settlement.deposit',
    ])
    expect(validateConfig(doc({ http, settlement })).peers[0]?.settlement).toMatchObject({ kind: 'sqlite', deposit: 5_000n })
    expect(() => validateConfig(doc({ btp: { token: 't' }, settlement: { ...settlement, kind: 'evm' } }))).toThrow(/settlement.kind: must be one of sqlite, ethereum, xrp, lightning, trusted-transfer/)
    expect(() => validateConfig(doc({ btp: { token: 't' }, settlement: { ...settlement, deposit: undefined } }))).toThrow(/settlement.settleDelayMs: is only for a channel we open: needs deposit/)
    expect(() => validateConfig(doc({ btp: { token: 't' }, settlement: { ...settlement, settleDelayMs: undefined } }))).toThrow(/settlement.settleDelayMs: is needed with deposit/)
  })

  it('has no settleThreshold without a settlement kind, and takes trusted-transfer as the opt-in to plain TRANSFERs', () => {
    let error: unknown
    try {
      validateConfig(doc({ btp: { token: 't' }, settleThreshold: '100' }))
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(InvalidConfigError)
    expect((error as InvalidConfigError).issues).toEqual([
      { path: 'peers[0].settleThreshold', message: expect.stringMatching(/^needs settlement: a peer without one is never paid .*trusted-transfer/) },
    ])
    const http = { url: 'http://127.0.0.1:1', token: 't', incomingToken: 'u' }
    expect(() => validateConfig(doc({ http, settleThreshold: '100' }))).toThrow(/peers\[0\]\.settleThreshold: needs settlement/)
    const trusted = validateConfig(doc({ btp: { token: 't' }, settleThreshold: '100', settlement: { kind: 'trusted-transfer' } }))
    expect(trusted.peers[0]).toMatchObject({ settleThreshold: 100n, settlement: { kind: 'trusted-transfer' } })
    expect(() => validateConfig(doc({ btp: { token: 't' }, settlement: { kind: 'trusted-transfer', claims: 'x' } }))).toThrow(/peers\[0\]\.settlement\.claims: unknown field \(expected one of: kind\)/)
  })

  it('takes a receive-only peer without a deposit', () => {
    const receiveOnly = { kind: 'sqlite', ledger: 'usd.ledger', account: 'conn-a', peerAccount: 'conn-b', claims: 'a.claims' }
    expect(validateConfig(doc({ btp: { token: 't' }, settlement: receiveOnly })).peers[0]?.settlement).toEqual({ ...receiveOnly, watchIntervalMs: 1_000 })
  })
})
