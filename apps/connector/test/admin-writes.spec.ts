import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteBalanceStore } from '@stack/ilp-connector'
import { IlpPacketType } from '@stack/ilp-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConnectorNode } from '../src/node.js'
import { adminClient, eventStream } from './admin-api.js'
import { host, intents, node, stopAll, token, waitFor, type Host, type Intents } from './harness.js'
import { check, operations, seen } from './openapi-check.js'

const USD = { code: 'USD', scale: 2 }
const ADMIN_TOKEN = 'admin-token-0123456789abcdef'

// One node with a token on its admin API: sender (USD, 10.00 of credit) and receiver (EUR)
// children over BTP; each write is made through the API and seen on the packets that follow.
describe('admin API writes, applied to live traffic', () => {
  let a: ConnectorNode | undefined
  let sender: Host, receiver: Host
  let carol: Host | undefined
  let shared: Intents
  let dir: string
  const tokens = { sender: token(), receiver: token(), carol: token() }
  const api = adminClient(() => `http://127.0.0.1:${a?.ports.admin}`, ADMIN_TOKEN)
  const btpUrl = (id: string, secret: string): string => `btp+ws://${id}:${secret}@127.0.0.1:${a?.ports.btp}`
  const book = (peer: string): bigint => a?.connector.balances()[peer]?.balance ?? 0n

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'connector-admin-'))
    a = await node({
      address: 'test.a',
      asset: USD,
      listen: { btp: { port: 0 } },
      admin: { port: 0, token: ADMIN_TOKEN },
      balances: { store: 'sqlite', path: join(dir, 'balances.db') },
      peers: [
        { id: 'sender', relation: 'child', btp: { token: tokens.sender }, minBalance: '-1000' },
        { id: 'receiver', relation: 'child', asset: { code: 'EUR', scale: 2 }, btp: { token: tokens.receiver } },
      ],
      rates: { static: { USD: '1', EUR: '0.5' } },
    })
    shared = intents()
    sender = await host(btpUrl('sender', tokens.sender), shared)
    receiver = await host(btpUrl('receiver', tokens.receiver), shared)
    await a.whenConnected(3_000)
  })

  afterAll(async () => {
    await stopAll(sender, receiver, carol, a)
    rmSync(dir, { recursive: true, force: true })
  })

  it('refuses every endpoint but /health without the right token (401), and answers with it', async () => {
    const calls: [string, string, unknown?][] = [
      ['GET', '/metrics'], ['GET', '/openapi.json'], ['GET', '/events'], ['GET', '/routes'], ['POST', '/routes', {}], ['DELETE', '/routes?prefix=x'],
      ['GET', '/peers'], ['POST', '/peers', {}], ['PUT', '/peers/sender', {}], ['DELETE', '/peers/sender'], ['POST', '/peers/sender/settle'],
      ['GET', '/peers/sender/channel'], ['GET', '/balances'], ['POST', '/balances/sender/adjustments', {}], ['GET', '/rates'], ['PUT', '/rates', {}], ['GET', '/settlement'],
      ['POST', '/settlement/sender/redemption', {}],
    ]
    for (const [method, path, body] of calls) {
      for (const wrong of [null, 'not-the-token-0123456789', `${ADMIN_TOKEN}x`]) {
        const res = await api(method, path, { body, token: wrong})
        expect(res.status, `${method} ${path} with ${wrong}`).toBe(401)
      }
    }
    const health = await api('GET', '/health', { token: null })
    expect(health).toMatchObject({ status: 200, body: { status: 'ok', address: 'test.a' } })
    expect((await api('GET', '/metrics')).body).toContain('ilp_connector_routes')
    expect((await api('GET', '/openapi.json')).body).toMatchObject({ openapi: '3.0.3' })
    expect((await api('GET', '/settlement')).body).toEqual({})
    expect(await api('GET', '/peers/sender/channel')).toEqual({ status: 404, body: { error: 'peer sender has no settlement' } })
    expect(await api('GET', '/peers/nobody/channel')).toEqual({ status: 404, body: { error: 'no such peer: nobody' } })
    expect((await api('GET', '/rates')).body).toEqual({ kind: 'static', table: { USD: '1', EUR: '0.5' } })
    expect((await api('POST', '/settlement/sender/redemption', { body: {} })).status).toBe(422) // no xrp settlement
  })

  it('streams the packets, balance changes and peer changes a payment makes, to a real SSE client', async () => {
    const stream = await eventStream(`http://127.0.0.1:${a?.ports.admin}/events`, ADMIN_TOKEN)
    try {
      expect((await sender.pay('test.a.receiver', 200n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
      expect((await sender.pay('test.a.receiver', 0n, 'wrong')).type).toBe(IlpPacketType.Reject)
      await waitFor(() => stream.events.filter((e) => e.event === 'packet').length === 2, 3_000, 'two packet events')
      const packets = stream.events.filter((e) => e.event === 'packet').map((e) => e.data as Record<string, unknown>)
      expect(packets).toEqual([
        { type: 'packet', from: 'sender', to: 'receiver', prefix: 'test.a.receiver', amount: '200', probe: false, outcome: 'fulfilled' },
        { type: 'packet', from: 'sender', to: 'receiver', prefix: 'test.a.receiver', amount: '0', probe: true, outcome: 'rejected', code: 'F05' },
      ])
      const balances = stream.events.filter((e) => e.event === 'balance').map((e) => e.data as Record<string, unknown>)
      expect(balances).toEqual([
        { type: 'balance', peer: 'receiver', delta: '100', balance: '100', cause: 'packet' },
        { type: 'balance', peer: 'sender', delta: '-200', balance: '-200', cause: 'packet' },
      ])
      expect(book('sender')).toBe(-200n)
      expect(book('receiver')).toBe(100n)
    } finally {
      stream.close()
    }
  })

  it('POST /peers: a new peer carries packets at once; a bad entry is a 400 naming its field, a taken id 409', async () => {
    const stream = await eventStream(`http://127.0.0.1:${a?.ports.admin}/events`, ADMIN_TOKEN)
    const added = await api('POST', '/peers', { body: { id: 'carol', relation: 'child', btp: { token: tokens.carol } } })
    expect(added).toMatchObject({ status: 201, body: { id: 'carol', relation: 'child', asset: USD, transport: 'btp-server' } })
    expect(JSON.stringify(added.body)).not.toContain(tokens.carol)
    carol = await host(btpUrl('carol', tokens.carol), shared)
    await a?.whenConnected(3_000, ['carol'])
    const before = { sender: book('sender'), carol: book('carol') }
    expect((await sender.pay('test.a.carol', 150n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
    expect(carol.delivered).toEqual([150n])
    expect({ sender: book('sender') - before.sender, carol: book('carol') - before.carol }).toEqual({ sender: -150n, carol: 150n })
    await waitFor(() => stream.events.some((e) => e.event === 'peer' && e.data.action === 'state'), 3_000, 'the peer events')
    expect(stream.events.filter((e) => e.event === 'peer').map((e) => e.data)).toEqual([
      { type: 'peer', action: 'added', peer: 'carol' },
      { type: 'peer', action: 'state', peer: 'carol', state: 'connected' },
    ])
    stream.close()

    expect((await api('POST', '/peers', { body: { id: 'carol', relation: 'child', btp: { token: tokens.carol } } })).status).toBe(409)
    const bad = await api('POST', '/peers', { body: { id: 'dave', relation: 'friend', btp: { token: 'x' } } })
    expect(bad.status).toBe(400)
    expect(bad.body.issues).toEqual([{ path: 'peer.relation', message: 'must be one of parent, peer, child, got string "friend"' }])
    // As at start: an asset the rates do not price is refused before the peer exists.
    const unpriced = await api('POST', '/peers', { body: { id: 'dave', relation: 'child', asset: { code: 'JPY', scale: 0 }, btp: { token: 'dave-token-long-enough' } } })
    expect(unpriced.status).toBe(400)
    expect(unpriced.body.issues[0].message).toContain("peer dave's asset JPY has no rate")
    expect((await api('GET', '/peers')).body.map((p: { id: string }) => p.id)).toEqual(['sender', 'receiver', 'carol'])
  })

  it('POST and DELETE /routes: a static route carries packets; once removed they get F02', async () => {
    const set = await api('POST', '/routes', { body: { prefix: 'test.elsewhere', peer: 'receiver' } })
    expect(set).toEqual({ status: 201, body: { prefix: 'test.elsewhere', peer: 'receiver' } })
    expect((await sender.pay('test.elsewhere.bob', 20n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
    expect(receiver.seen.at(-1)).toEqual({ amount: 10n, destination: 'test.elsewhere.bob' })
    expect((await api('DELETE', '/routes?prefix=test.elsewhere')).body).toEqual({ removed: 'test.elsewhere' })
    expect(await sender.pay('test.elsewhere.bob', 20n, 'fulfill')).toMatchObject({ type: IlpPacketType.Reject, code: 'F02', triggeredBy: 'test.a' })
    expect((await api('DELETE', '/routes?prefix=test.elsewhere')).status).toBe(404)
    expect((await api('POST', '/routes', { body: { prefix: 'test.x', peer: 'nobody' } })).body.issues).toEqual([{ path: 'route.peer', message: 'no peer has id "nobody"' }])
  })

  it('PUT /rates: the next packet is converted at the new rate; a bad table is refused and changes nothing', async () => {
    const bad = await api('PUT', '/rates', { body: { static: { USD: '1', EUR: 'lots' } } })
    expect(bad.status).toBe(400)
    expect(bad.body.issues[0].path).toBe('rates.static.EUR')
    // A table that drops a peer's asset would leave that peer's packets unpriced: refused.
    const uncovering = await api('PUT', '/rates', { body: { static: { USD: '1' } } })
    expect(uncovering.status).toBe(400)
    expect(uncovering.body.issues[0].message).toContain('has no rate')
    expect((await api('GET', '/rates')).body).toEqual({ kind: 'static', table: { USD: '1', EUR: '0.5' } })
    expect((await api('PUT', '/rates', { body: { static: { USD: '1', EUR: '0.25' } } })).body).toEqual({ kind: 'static', table: { USD: '1', EUR: '0.25' } })
    expect((await sender.pay('test.a.receiver', 100n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
    expect(receiver.delivered.at(-1)).toBe(25n)
  })

  it('POST /balances/<peer>/adjustments: an adjusted balance lets payments through, journaled with its reason', async () => {
    // sender's credit is 10.00: spend what is left, then one more is refused for liquidity.
    const left = 1_000n + book('sender')
    expect((await sender.pay('test.a.carol', left, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
    expect(await sender.pay('test.a.carol', 300n, 'fulfill')).toMatchObject({ type: IlpPacketType.Reject, code: 'T04' })
    const adjusted = await api('POST', '/balances/sender/adjustments', { body: { amount: '500', reason: 'paid by bank transfer #42' } })
    expect(adjusted.body).toEqual({ balance: '-500', amount: '500', reason: 'paid by bank transfer #42' })
    expect((await sender.pay('test.a.carol', 300n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
    expect(book('sender')).toBe(-800n)
    const bad = await api('POST', '/balances/sender/adjustments', { body: { amount: '1.5', reason: '' } })
    expect(bad.body.issues.map((issue: { path: string }) => issue.path)).toEqual(['adjustment.amount', 'adjustment.reason'])
    expect((await api('POST', '/balances/nobody/adjustments', { body: { amount: '1', reason: 'x' } })).status).toBe(404)
  })

  it('PUT /peers/<id>: new settings apply to the next packet and the balance stays', async () => {
    const before = book('sender')
    const entry = { id: 'sender', relation: 'child', btp: { token: tokens.sender }, minBalance: '-1000', maxPacketAmount: '50' }
    expect((await api('PUT', '/peers/sender', { body: entry })).status).toBe(200)
    expect(book('sender')).toBe(before)
    await a?.whenConnected(3_000, ['sender'])
    expect(await sender.pay('test.a.carol', 60n, 'fulfill')).toMatchObject({ type: IlpPacketType.Reject, code: 'F08' })
    expect((await sender.pay('test.a.carol', 50n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
    expect((await api('PUT', '/peers/sender', { body: { ...entry, id: 'other' } })).status).toBe(400)
  })

  it('POST /peers/<id>/settle refuses a peer without a channel (422)', async () => {
    const res = await api('POST', '/peers/sender/settle')
    expect(res).toMatchObject({ status: 422, body: { error: 'cannot settle with peer sender: it has no settlement channel' } })
  })

  it('DELETE /peers/<id>: packets to it get F02, its balance stays', async () => {
    const balance = book('carol')
    expect((await api('DELETE', '/peers/carol')).body).toEqual({ removed: 'carol' })
    expect(await sender.pay('test.a.carol', 10n, 'fulfill')).toMatchObject({ type: IlpPacketType.Reject, code: 'F02' })
    expect((await api('GET', '/balances')).body.carol.balance).toBe(balance.toString())
    expect((await api('DELETE', '/peers/carol')).status).toBe(404)
  })

  it('POST /peers again under a removed dial-in peer\'s id: its client logs in again and carries packets, on the balance it had', async () => {
    const balance = book('carol')
    await carol?.close() // refused since the removal ('account is closed'): it does not log in again by itself
    const readded = await api('POST', '/peers', { body: { id: 'carol', relation: 'child', btp: { token: tokens.carol } } })
    expect(readded).toMatchObject({ status: 201, body: { id: 'carol', transport: 'btp-server' } })
    carol = await host(btpUrl('carol', tokens.carol), shared)
    await a?.whenConnected(3_000, ['carol'])
    const before = book('sender')
    expect(await sender.pay('test.a.carol', 40n, 'fulfill')).toMatchObject({ type: IlpPacketType.Fulfill }) // sender's maxPacketAmount is 50 now
    expect(carol.delivered).toEqual([40n])
    expect({ sender: book('sender') - before, carol: book('carol') - balance }).toEqual({ sender: -40n, carol: 40n })
    expect((await api('GET', '/balances')).body.carol.balance).toBe((balance + 40n).toString())
  })

  it('every operation of openapi.json was checked against a real answer (settle-now success in admin-settle.spec.ts)', () => {
    expect(operations().filter((op) => !seen.has(op))).toEqual([])
    // The check can fail: a wrong answer is caught.
    expect(check('GET', '/balances', 200, 'application/json', { bob: { balance: 12, pendingDebit: '0' } })).toEqual(['$.bob.pendingCredit: missing', '$.bob.balance: integer, expected string'])
    expect(check('GET', '/health', 201, 'application/json', {})).toEqual(['GET /health: status 201 is not documented'])
  })

  it('keeps the adjustment in the balance file with its reason, and the books balance', async () => {
    await a?.stop()
    a = undefined
    const store = SqliteBalanceStore.open(join(dir, 'balances.db'))
    try {
      expect(store.adjustments()).toMatchObject([{ peerId: 'sender', delta: 500n, reason: 'paid by bank transfer #42' }])
      const audit = Object.fromEntries(store.audit().map((row) => [row.peerId, row.balance]))
      // The sender paid 13.90 USD, less the 5.00 adjusted: 10.70 to carol (0.40 of it once she was
      // added back), and 1.35 EUR to the receiver (2.00, 0.20 at 0.5 and 1.00 at 0.25: 3.20 USD).
      // Nothing created or lost.
      expect(audit).toEqual({ sender: -890n, carol: 1070n, receiver: 135n })
      expect(-(audit.sender ?? 0n) + 500n).toBe((audit.carol ?? 0n) + 320n)
    } finally {
      store.close()
    }
  })
})
