import { createRequire } from 'node:module'
import { BtpServer } from '@stack/channel-btp'
import { IlpPacketType } from '@stack/ilp-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConnectorNode } from '../src/node.js'
import { host, hostOn, intents, node, stopAll, token, waitFor, type Host } from './harness.js'

// Interop with the reference connector: ilp-connector 23.0.2 (npm), running in this process,
// its accounts on ilp-plugin-btp 1.5.0. Our node and it are BTP peers (relation peer both ways)
// and learn each other's prefix by CCP only. Behind each connector sits a child host:
//
//   sender, receiver —BTP— test.stack (ours) —BTP— test.ilpc (ilp-connector) —BTP— alice
//
// Packets cross both ways: our sender pays alice, alice pays our receiver.

const require = createRequire(import.meta.url)

interface IlpConnectorApp {
  listen(): Promise<void>
  shutdown(): Promise<void>
}
const { createApp } = require('ilp-connector') as { createApp(opts: Record<string, unknown>): IlpConnectorApp }
const PluginBtp = require('ilp-plugin-btp') as new (opts: Record<string, unknown>) => object

const EUR6 = { code: 'EUR', scale: 6 }

describe('our connector peered with ilp-connector over BTP', () => {
  let ours: ConnectorNode
  let app: IlpConnectorApp
  let aliceServer: BtpServer
  let sender: Host, receiver: Host, alice: Host

  beforeAll(async () => {
    const tokens = { ilpc: token(), sender: token(), receiver: token(), alice: token() }
    ours = await node({
      address: 'test.stack',
      asset: EUR6,
      listen: { btp: { port: 0 } },
      peers: [
        { id: 'ilpc', relation: 'peer', btp: { token: tokens.ilpc } },
        { id: 'sender', relation: 'child', btp: { token: tokens.sender } },
        { id: 'receiver', relation: 'child', btp: { token: tokens.receiver } },
      ],
    })
    // alice's end of her account at ilp-connector: ilp-connector's plugin dials us here.
    aliceServer = new BtpServer({ accounts: { ilpc: tokens.alice } })
    const alicePort = await aliceServer.listen()

    app = createApp({
      env: 'test',
      ilpAddress: 'test.ilpc',
      backend: 'one-to-one',
      spread: 0,
      store: 'memory',
      routeBroadcastInterval: 500,
      routeExpiry: 5_000,
      routeCleanupInterval: 200,
      initialConnectTimeout: 3_000,
      adminApi: false,
      accounts: {
        stack: {
          relation: 'peer',
          assetCode: 'EUR',
          assetScale: 6,
          plugin: new PluginBtp({ server: `btp+ws://ilpc:${tokens.ilpc}@127.0.0.1:${ours.ports.btp}`, responseTimeout: 10_000 }),
        },
        alice: {
          relation: 'child',
          assetCode: 'EUR',
          assetScale: 6,
          plugin: new PluginBtp({ server: `btp+ws://ilpc:${tokens.alice}@127.0.0.1:${alicePort}`, responseTimeout: 10_000 }),
        },
      },
    })
    await app.listen()

    const shared = intents()
    sender = await host(`btp+ws://sender:${tokens.sender}@127.0.0.1:${ours.ports.btp}`, shared)
    receiver = await host(`btp+ws://receiver:${tokens.receiver}@127.0.0.1:${ours.ports.btp}`, shared)
    alice = await hostOn(aliceServer.link('ilpc'), shared)
    await waitFor(() => ours.ccp.routingTable.get('test.ilpc') !== undefined, 10_000, 'us to learn test.ilpc from ilp-connector')
    // And the other way: ilp-connector has asked for our routes and acknowledged them all (it
    // applies an update before it answers), so it can route to test.stack.
    await waitFor(() => ours.ccp.inSync(), 10_000, 'ilp-connector to take our routes')
  })

  afterAll(async () => {
    await stopAll(sender, receiver)
    await app?.shutdown().catch(() => undefined)
    await stopAll(ours, aliceServer)
  })

  it('learns ilp-connector\'s prefix by CCP', () => {
    expect(ours.ccp.routingTable.get('test.ilpc')).toMatchObject({ nextHop: 'ilpc', source: 'learned', path: ['test.ilpc'] })
  })

  it('pays through ilp-connector to its child (our route learned from it)', async () => {
    const reply = await sender.pay('test.ilpc.alice', 12_345n, 'fulfill')
    expect(reply.type).toBe(IlpPacketType.Fulfill)
    expect(alice.delivered).toContain(12_345n)
    expect(ours.connector.balance('ilpc').balance).toBe(12_345n)
  })

  it('is paid through ilp-connector by its child (ilp-connector learned our route from us)', async () => {
    const reply = await alice.pay('test.stack.receiver', 777n, 'fulfill')
    expect(reply.type).toBe(IlpPacketType.Fulfill)
    expect(receiver.delivered).toEqual([777n])
  })

  it('relays ilp-connector\'s Reject for an address it cannot reach back to our sender, unchanged', async () => {
    const reply = await sender.pay('test.ilpc.nobody', 5n, 'fulfill')
    // ilp-connector answers F00 "unknown account id" here (its own prefix routes to account ''); we pass it on unchanged.
    expect(reply).toMatchObject({ type: IlpPacketType.Reject, code: 'F00', triggeredBy: 'test.ilpc' })
  })
})
