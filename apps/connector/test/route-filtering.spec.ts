import { randomUUID } from 'node:crypto'
import { BtpClient } from '@stack/channel-btp'
import {
  CCP_CONTROL_DESTINATION,
  CCP_UPDATE_DESTINATION,
  ccpFulfill,
  decodePrepare,
  decodeReply,
  encodePrepare,
  encodeReply,
  IlpPacketType,
  routeUpdatePrepare,
  type CcpRoute,
  type IlpReply,
} from '@stack/ilp-core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ConnectorNode } from '../src/node.js'
import { balances, capturingLogger, changes, host, intents, node, stopAll, token, type Host } from './harness.js'

const USD2 = { code: 'USD', scale: 2 }
const AUTH = new Uint8Array(32)

/**
 * A peer that speaks CCP by hand over real BTP: it advertises whatever the test tells it to,
 * answers our node's CCP requests, and records every other Prepare it is handed (rejecting it).
 */
class RoguePeer {
  readonly seen: string[] = []
  readonly link: BtpClient
  readonly #tableId = randomUUID()
  #epoch = 0

  constructor(url: string) {
    this.link = new BtpClient({ url, reconnect: false })
    this.link.setRequestHandler(async (bytes) => {
      const prepare = decodePrepare(bytes)
      if (prepare.destination === CCP_CONTROL_DESTINATION || prepare.destination === CCP_UPDATE_DESTINATION) {
        return encodeReply({ type: IlpPacketType.Fulfill, ...ccpFulfill() })
      }
      this.seen.push(prepare.destination)
      return encodeReply({ type: IlpPacketType.Reject, code: 'F99', triggeredBy: 'test.rogue', message: 'taken', data: new Uint8Array(0) })
    })
  }

  /** Sends the next epoch of our table: these routes, with us (test.rogue) first in each path. */
  async advertise(routes: { prefix: string; path?: string[] }[]): Promise<IlpReply> {
    const newRoutes: CcpRoute[] = routes.map(({ prefix, path = [] }) => ({ prefix, path: ['test.rogue', ...path], auth: AUTH, props: [] }))
    const from = this.#epoch
    const request = { routingTableId: this.#tableId, currentEpochIndex: from + 1, fromEpochIndex: from, toEpochIndex: from + 1, holdDownTime: 60_000, speaker: 'test.rogue', newRoutes, withdrawnRoutes: [] }
    const reply = decodeReply(await this.link.request(encodePrepare(routeUpdatePrepare(request, new Date(Date.now() + 10_000)))))
    if (reply.type === IlpPacketType.Fulfill) this.#epoch = from + 1
    return reply
  }
}

// Our node test.us has two children, alice (sender) and kid (receiver), a configured route
// test.kidco → kid, and one peer, `rogue`, that advertises routes no peer may teach us.
describe('routes a peer may not teach us (end to end, real BTP)', () => {
  let us: ConnectorNode
  let alice: Host, kid: Host
  let rogue: RoguePeer
  let logs: Record<string, unknown>[]

  beforeEach(async () => {
    const tokens = { alice: token(), kid: token(), rogue: token() }
    const captured = capturingLogger()
    logs = captured.lines
    us = await node(
      {
        address: 'test.us',
        asset: USD2,
        listen: { btp: { port: 0 } },
        peers: [
          { id: 'alice', relation: 'child', btp: { token: tokens.alice }, minBalance: '-100000' },
          { id: 'kid', relation: 'child', btp: { token: tokens.kid } },
          { id: 'rogue', relation: 'peer', btp: { token: tokens.rogue } },
        ],
        routes: [{ prefix: 'test.kidco', peer: 'kid' }],
      },
      captured.logger,
    )
    const shared = intents()
    const url = (id: string, secret: string) => `btp+ws://${id}:${secret}@127.0.0.1:${us.ports.btp}`
    alice = await host(url('alice', tokens.alice), shared)
    kid = await host(url('kid', tokens.kid), shared)
    rogue = new RoguePeer(url('rogue', tokens.rogue))
    await rogue.link.connect()
    await us.whenConnected(5_000)
  })

  afterEach(async () => {
    await stopAll(alice, kid, rogue.link, us)
  })

  it('never hands the peer Prepares for our own address, our children or what it may not claim', async () => {
    const reply = await rogue.advertise([
      { prefix: 'test.rogue' }, // its own: taken
      { prefix: 'test.us' },
      { prefix: 'test.us.evil' },
      { prefix: 'test.us.kid.wallet' },
      { prefix: 'test.kidco.x' },
      { prefix: 'g.elsewhere' },
      { prefix: 'test.far', path: ['test.us'] },
    ])
    expect(reply.type).toBe(IlpPacketType.Fulfill)
    expect(us.ccp.routingTable.get('test.rogue')?.nextHop).toBe('rogue')

    const before = balances({ us })
    const paid: [string, IlpPacketType | string][] = []
    for (const destination of ['test.us', 'test.us.evil.x', 'test.us.kid.wallet', 'test.kidco.x', 'g.elsewhere.x', 'test.far.x', 'test.rogue.x']) {
      const r = await alice.pay(destination, 100n, 'fulfill')
      paid.push([destination, r.type === IlpPacketType.Fulfill ? 'fulfilled' : r.code])
    }
    expect(paid).toEqual([
      ['test.us', 'F02'],
      ['test.us.evil.x', 'F02'],
      ['test.us.kid.wallet', 'fulfilled'],
      ['test.kidco.x', 'fulfilled'],
      ['g.elsewhere.x', 'F02'],
      ['test.far.x', 'F02'],
      ['test.rogue.x', 'F99'],
    ])
    expect(rogue.seen).toEqual(['test.rogue.x'])
    expect(kid.seen.map((p) => p.destination)).toEqual(['test.us.kid.wallet', 'test.kidco.x'])
    // The books: alice paid kid twice; the rogue peer was paid nothing.
    expect(kid.delivered).toEqual([100n, 100n])
    const delta = changes(before, balances({ us }))
    expect(delta.get('us/alice')).toBe(-200n)
    expect(delta.get('us/kid')).toBe(200n)
    expect(delta.get('us/rogue') ?? 0n).toBe(0n)

    const metric = await us.metrics.registry.getSingleMetricAsString('ilp_connector_routes_refused_total')
    for (const [reason, n] of [['own-address', 3], ['child', 1], ['outside-global-prefix', 1], ['loop', 1]] as const) {
      expect(metric).toContain(`ilp_connector_routes_refused_total{peer="rogue",reason="${reason}"} ${n}`)
    }
    const refused = logs.filter((line) => line.msg === 'route refused').map((line) => [line.peer, line.prefix, line.reason])
    expect(refused).toEqual([
      ['rogue', 'test.us', 'own-address'],
      ['rogue', 'test.us.evil', 'own-address'],
      ['rogue', 'test.us.kid.wallet', 'own-address'],
      ['rogue', 'test.kidco.x', 'child'],
      ['rogue', 'g.elsewhere', 'outside-global-prefix'],
      ['rogue', 'test.far', 'loop'],
    ])
  })

  it('takes the rest of an update that holds the bare global prefix, and keeps its epochs', async () => {
    const reply = await rogue.advertise([{ prefix: 'test' }, { prefix: 'test.rogue' }])
    expect(reply.type).toBe(IlpPacketType.Fulfill)
    expect(us.ccp.routingTable.get('test.rogue')?.nextHop).toBe('rogue')
    expect((await alice.pay('test.anywhere', 100n, 'fulfill')).type).toBe(IlpPacketType.Reject)
    expect(rogue.seen).toEqual([])
    // The next epoch follows on: applied at once, no resync needed.
    expect((await rogue.advertise([{ prefix: 'test.rogue2' }])).type).toBe(IlpPacketType.Fulfill)
    expect(us.ccp.routingTable.get('test.rogue2')?.nextHop).toBe('rogue')
    const metric = await us.metrics.registry.getSingleMetricAsString('ilp_connector_routes_refused_total')
    expect(metric).toContain('ilp_connector_routes_refused_total{peer="rogue",reason="global-prefix"} 1')
  })
})
