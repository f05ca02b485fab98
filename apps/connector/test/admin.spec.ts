import { IlpPacketType } from '@stack/ilp-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConnectorNode } from '../src/node.js'
import { host, intents, node, stopAll, token, waitFor, type Host } from './harness.js'

// One node, two children over BTP (sender and receiver), the admin API on a free port.
describe('admin API and metrics', () => {
  let a: ConnectorNode
  let sender: Host, receiver: Host
  let base: string

  beforeAll(async () => {
    const tokens = { sender: token(), receiver: token() }
    a = await node({
      address: 'test.a',
      asset: { code: 'USD', scale: 2 },
      listen: { btp: { port: 0 } },
      admin: { port: 0 },
      peers: [
        { id: 'sender', relation: 'child', btp: { token: tokens.sender } },
        { id: 'receiver', relation: 'child', asset: { code: 'EUR', scale: 2 }, btp: { token: tokens.receiver } },
      ],
      rates: { static: { USD: '1', EUR: '0.5' } },
    })
    base = `http://127.0.0.1:${a.ports.admin}`
    const shared = intents()
    sender = await host(`btp+ws://sender:${tokens.sender}@127.0.0.1:${a.ports.btp}`, shared)
    receiver = await host(`btp+ws://receiver:${tokens.receiver}@127.0.0.1:${a.ports.btp}`, shared)
    await a.whenConnected(3_000)
    expect((await sender.pay('test.a.receiver', 1_000n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
    expect((await sender.pay('test.a.receiver', 10n, 'wrong')).type).toBe(IlpPacketType.Reject)
    expect((await sender.pay('test.nowhere', 10n, 'fulfill')).type).toBe(IlpPacketType.Reject)
  })

  afterAll(async () => {
    await stopAll(sender, receiver, a)
  })

  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`)
    return { status: res.status, type: res.headers.get('content-type'), body: await res.text() }
  }

  it('GET /health says ok, with the address and connected peers', async () => {
    const res = await get('/health')
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toMatchObject({ status: 'ok', address: 'test.a', peers: { total: 2, connected: 2 } })
  })

  it('GET /routes lists the routes in force', async () => {
    const routes = JSON.parse((await get('/routes')).body) as unknown[]
    // Our own address routes to no peer: a Prepare for it, or under it to no child, ends here.
    expect(routes).toEqual([
      { prefix: 'test.a', nextHop: '', path: [], source: 'static' },
      { prefix: 'test.a.receiver', nextHop: 'receiver', path: [], source: 'static' },
      { prefix: 'test.a.sender', nextHop: 'sender', path: [], source: 'static' },
    ])
  })

  it('GET /peers lists peers with relation, asset, transport and link state', async () => {
    expect(JSON.parse((await get('/peers')).body)).toEqual([
      { id: 'sender', relation: 'child', asset: { code: 'USD', scale: 2 }, transport: 'btp-server', state: 'connected' },
      { id: 'receiver', relation: 'child', asset: { code: 'EUR', scale: 2 }, transport: 'btp-server', state: 'connected' },
    ])
  })

  it('GET /balances gives amounts as strings', async () => {
    expect(JSON.parse((await get('/balances')).body)).toEqual({
      sender: { balance: '-1000', pendingDebit: '0', pendingCredit: '0' },
      receiver: { balance: '500', pendingDebit: '0', pendingCredit: '0' },
    })
  })

  it('GET /metrics counts packets by result and code, amounts, and latency', async () => {
    const res = await get('/metrics')
    expect(res.status).toBe(200)
    expect(res.type).toMatch(/^text\/plain/)
    const lines = res.body.split('\n')
    const has = (line: string) => expect(lines, line).toContain(line)
    has('ilp_connector_packets_total{direction="incoming",peer="sender",result="prepared"} 3')
    has('ilp_connector_packets_total{direction="incoming",peer="sender",result="fulfilled"} 1')
    has('ilp_connector_packets_total{direction="incoming",peer="sender",result="rejected",code="F05"} 1')
    has('ilp_connector_packets_total{direction="incoming",peer="sender",result="rejected",code="F02"} 1')
    has('ilp_connector_packets_total{direction="outgoing",peer="receiver",result="fulfilled"} 1')
    has('ilp_connector_amount_total{direction="incoming",peer="sender"} 1000')
    has('ilp_connector_amount_total{direction="outgoing",peer="receiver"} 500')
    has('ilp_connector_balance{peer="sender"} -1000')
    has('ilp_connector_peer_connected{peer="receiver"} 1')
    has('ilp_connector_routes 3')
    has('ilp_connector_packet_duration_seconds_count{result="fulfilled"} 1')
    has('ilp_connector_packet_duration_seconds_count{result="rejected"} 2')
    expect(res.body).toContain('process_cpu_seconds_total')
  })

  it('answers 404 for an unknown path and 405 for a POST', async () => {
    expect((await get('/nope')).status).toBe(404)
    expect((await fetch(`${base}/health`, { method: 'POST' })).status).toBe(405)
  })

  it('shuts down gracefully: a packet in flight is answered, a new one is refused with T03', async () => {
    const held = sender.pay('test.a.receiver', 20n, 'hold')
    await waitFor(() => receiver.heldCount() === 1, 3_000, 'the Prepare held at the receiver')
    const stopped = a.stop()
    expect(await sender.pay('test.a.receiver', 20n, 'fulfill')).toMatchObject({ type: IlpPacketType.Reject, code: 'T03', triggeredBy: 'test.a' })
    receiver.release('fulfill')
    expect((await held).type).toBe(IlpPacketType.Fulfill)
    await stopped
    await expect(fetch(`${base}/health`)).rejects.toThrow()
  })
})
