import { randomBytes } from 'node:crypto'
import { BtpClient } from '@stack/channel-btp'
import { sendOverLink, serveOnLink } from '@stack/ilp-core'
import { openPostgresBalanceStore } from '@stack/ilp-shared-balances'
import { createConnection, createServer, type Stream } from '@stack/stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildBin } from './bin.js'
import { ADDRESS, startCluster, type ClusterUnderTest } from './cluster-bins.js'
import { waitFor } from './harness.js'

// One STREAM payment (RFC 0029) from alice, over ILP-over-HTTP through the load balancer, to
// bob's STREAM server behind his BTP link, while instances b, c and then a — the one holding
// bob's socket — are SIGKILLed and restarted in turn (bob's client reconnects to a). The payment ends sent in full, and the books keep ILP's order for packets a kill cut
// (RFC 0027 §"Connector Risk"): what alice saw fulfilled ≤ what the store charged her ≤ what it
// owes bob ≤ what bob's server took; the store's journal sums to its balances.

const TOTAL = 400_000n
const PACKET = 1_000n

beforeAll(() => buildBin(), 130_000)

describe('a STREAM payment through a cluster of three instances, each killed on the way', () => {
  let c: ClusterUnderTest
  beforeAll(async () => {
    // Packets of at most 1,000: the payment takes hundreds of them, so the kills land in it.
    c = await startCluster({ alice: { maxPacketAmount: PACKET.toString() } })
  }, 120_000)
  afterAll(() => c?.stop())

  it('is sent in full, each unit booked once, the journal summing to the balances', async () => {
    const bobAddress = `${ADDRESS}.bob`
    const server = await createServer({ serverSecret: randomBytes(32), serverAddress: bobAddress, assetDetails: { code: 'USD', scale: 6 } })
    const received: Stream[] = []
    server.on('connection', (connection) => connection.on('stream', (stream) => {
      // Beyond the total: a Fulfill a kill cut off counts at bob but not at alice, who sends it again.
      stream.setReceiveMax(2n * TOTAL)
      received.push(stream)
    }))
    // bob on a client that reconnects: a, which holds his socket, is killed too.
    await c.bob.link.close()
    const bobLink = new BtpClient({ url: c.bobUrl, reconnect: { initialDelayMs: 100, maxDelayMs: 500 } })
    bobLink.setRequestHandler(serveOnLink((prepare) => server.handlePrepare(prepare), { triggeredBy: bobAddress }))
    await bobLink.connect()

    const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
    const sendPrepare = sendOverLink(c.alice.link, { triggeredBy: `${ADDRESS}.alice`, peer: 'node' })
    const connection = await createConnection({ destinationAccount, sharedSecret, sendPrepare, sourceAccount: `${ADDRESS}.alice`, assetDetails: { code: 'USD', scale: 6 } })
    const stream = connection.createStream()
    const sending = stream.sendTotal(TOTAL)

    // b, c, a: each killed once a share of the payment is through, restarted while it goes on.
    // While a is down, packets to bob are rejected (T01: unreachable) and STREAM retries them.
    for (const [victim, quarters] of [['b', 1n], ['c', 2n], ['a', 3n]] as const) {
      await waitFor(() => stream.totalSent >= (TOTAL * quarters) / 4n, 120_000, `${quarters}/4 sent before killing ${victim}`)
      await c.kill(victim)
      await c.restart(victim)
    }
    const outcome = await sending
    expect(outcome).toMatchObject({ type: 'sent', totalSent: TOTAL })
    await connection.end()
    await bobLink.close()
    const delivered = received.reduce((sum, s) => sum + s.totalReceived, 0n)
    // At most the packets in flight at the three kills: 8 STREAM packets each, at most.
    const cut = 3n * 8n * PACKET
    expect(delivered).toBeGreaterThanOrEqual(TOTAL)
    expect(delivered).toBeLessThanOrEqual(TOTAL + cut)

    // No holds left in the store (a killed instance's expire after their Prepares).
    await expect
      .poll(async () => (await Promise.all([c.book('alice'), c.book('bob')])).every((b) => b.pendingDebit === 0n && b.pendingCredit === 0n), { timeout: 60_000, interval: 250 })
      .toBe(true)
    const [alice, bob] = [await c.book('alice'), await c.book('bob')]
    if (process.env.CLUSTER_TEST_LOG !== undefined) console.log({ delivered, charged: -alice.balance, owed: bob.balance })
    expect(-alice.balance).toBeGreaterThanOrEqual(TOTAL)
    expect(bob.balance).toBeGreaterThanOrEqual(-alice.balance)
    expect(bob.balance).toBeLessThanOrEqual(delivered)

    const store = await openPostgresBalanceStore({ url: c.store.url, expireEveryMs: 0, refreshEveryMs: 0 })
    try {
      const audit = Object.fromEntries((await store.audit()).map((a) => [a.peerId, a]))
      expect(audit.alice).toMatchObject({ balance: alice.balance, journalSum: alice.balance })
      expect(audit.bob).toMatchObject({ balance: bob.balance, journalSum: bob.balance })
    } finally {
      await store.close()
    }
  }, 300_000)

  it('refuses config writes through any instance\'s admin API, and takes a balance adjustment on any', async () => {
    const admin = (id: string, method: string, path: string, body?: unknown): Promise<Response> =>
      fetch(`http://127.0.0.1:${c.instances.get(id)?.ports.admin}${path}`, { method, headers: { 'Content-Type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
    const writes: [string, string, unknown?][] = [
      ['POST', '/peers', { id: 'carol', relation: 'child', btp: { token: 'carol-token-0123456789' } }],
      ['PUT', '/peers/bob', { id: 'bob', relation: 'child', btp: { token: 'another-token-0123456789' } }],
      ['DELETE', '/peers/bob'],
      ['POST', '/routes', { prefix: 'test.elsewhere', peer: 'bob' }],
      ['DELETE', '/routes?prefix=test.elsewhere'],
      ['PUT', '/rates', { static: { USD: 1 } }],
    ]
    for (const id of c.ids) {
      for (const [method, path, body] of writes) {
        const res = await admin(id, method, path, body)
        expect({ id, method, path, status: res.status }).toEqual({ id, method, path, status: 409 })
        expect(((await res.json()) as { error: string }).error).toMatch(/one of a cluster/)
      }
    }
    const before = await c.book('alice', 'c')
    const res = await admin('b', 'POST', '/balances/alice/adjustments', { amount: '5', reason: 'refund, ticket 7' })
    expect(res.status).toBe(200)
    // The store is every instance's: c sees b's adjustment.
    await expect.poll(async () => (await c.book('alice', 'c')).balance, { timeout: 30_000, interval: 100 }).toBe(before.balance + 5n)
    // bob is a's (his socket, his channel), and his balance the store's: b adjusts it too.
    const bobBefore = await c.book('bob', 'a')
    const atB = await admin('b', 'POST', '/balances/bob/adjustments', { amount: '-3', reason: 'fee, ticket 8' })
    expect(atB.status).toBe(200)
    await expect.poll(async () => (await c.book('bob', 'a')).balance, { timeout: 30_000, interval: 100 }).toBe(bobBefore.balance - 3n)
    expect((await admin('b', 'POST', '/balances/nobody/adjustments', { amount: '1', reason: 'none' })).status).toBe(404)
  }, 60_000)
})
