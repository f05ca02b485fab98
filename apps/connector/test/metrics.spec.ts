import { IlpPacketType } from '@stack/ilp-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../src/logger.js'
import type { ConnectorNode } from '../src/node.js'
import { host, intents, node, stopAll, token, type Host } from './harness.js'

// The label fixes of issue #17 on a real node: value, refused amounts and zero-amount traffic
// apart; no empty label; one meaning per label name.
describe('metrics labels', () => {
  let a: ConnectorNode
  let sender: Host, receiver: Host
  let text: string

  beforeAll(async () => {
    const tokens = { sender: token(), receiver: token() }
    a = await node({
      address: 'test.m',
      asset: { code: 'USD', scale: 2 },
      listen: { btp: { port: 0 } },
      peers: [
        { id: 'sender', relation: 'child', btp: { token: tokens.sender } },
        { id: 'receiver', relation: 'child', btp: { token: tokens.receiver } },
      ],
      balances: { store: 'memory' },
    })
    const shared = intents()
    sender = await host(`btp+ws://sender:${tokens.sender}@127.0.0.1:${a.ports.btp}`, shared)
    receiver = await host(`btp+ws://receiver:${tokens.receiver}@127.0.0.1:${a.ports.btp}`, shared)
    await a.whenConnected(3_000)
    expect((await sender.pay('test.m.receiver', 700n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
    expect((await sender.pay('test.m.receiver', 0n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
    // A probe-sized amount the receiver refuses (as a STREAM receiver refuses a rate probe).
    expect((await sender.pay('test.m.receiver', 9_000_000_000n, 'wrong')).type).toBe(IlpPacketType.Reject)
    text = await a.metrics.registry.metrics()
  })

  afterAll(() => stopAll(sender, receiver, a))

  const lines = (): string[] => text.split('\n')

  it('has no empty label anywhere', () => {
    expect(lines().filter((line) => line.includes('=""'))).toEqual([])
  })

  it('counts value (fulfilled) apart from refused amounts and zero-amount packets', () => {
    expect(lines()).toContain('ilp_connector_amount_total{direction="incoming",peer="sender"} 700')
    expect(lines()).toContain('ilp_connector_rejected_amount_total{direction="incoming",peer="sender"} 9000000000')
    expect(lines()).toContain('ilp_connector_zero_amount_packets_total{direction="incoming",peer="sender"} 1')
    expect(lines()).toContain('ilp_connector_packets_total{direction="incoming",peer="sender",result="prepared"} 3')
    expect(lines()).toContain('ilp_connector_packets_total{direction="incoming",peer="sender",result="fulfilled"} 2')
    expect(lines().filter((line) => line.startsWith('ilp_connector_amount_total') && line.includes('result='))).toEqual([])
  })

  it('names the outcome of a settlement `result`, not `kind`', () => {
    expect(lines()).toContain('ilp_connector_settlements_total{result="sent"} 0')
    expect(text).not.toMatch(/settlements_total\{kind=/)
  })
})

describe('the packet log (debug)', () => {
  it('writes one record per Prepare: from, to, amount, result, reject code', async () => {
    const lines: Record<string, unknown>[] = []
    const logger = createLogger('debug', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) })
    const tokens = { sender: token(), receiver: token() }
    const a = await node({
      address: 'test.log',
      asset: { code: 'USD', scale: 2 },
      listen: { btp: { port: 0 } },
      peers: [
        { id: 'sender', relation: 'child', btp: { token: tokens.sender } },
        { id: 'receiver', relation: 'child', btp: { token: tokens.receiver } },
      ],
      balances: { store: 'memory' },
    }, logger)
    const shared = intents()
    const sender = await host(`btp+ws://sender:${tokens.sender}@127.0.0.1:${a.ports.btp}`, shared)
    const receiver = await host(`btp+ws://receiver:${tokens.receiver}@127.0.0.1:${a.ports.btp}`, shared)
    try {
      await a.whenConnected(3_000)
      expect((await sender.pay('test.log.receiver', 42n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
      expect((await sender.pay('test.nowhere', 7n, 'fulfill')).type).toBe(IlpPacketType.Reject)
      const packets = lines.filter((line) => line.msg === 'packet').map(({ from, to, amount, result, code }) => ({ from, to, amount, result, code }))
      expect(packets).toEqual([
        { from: 'sender', to: 'test.log.receiver', amount: '42', result: 'fulfilled', code: undefined },
        { from: 'sender', to: 'test.nowhere', amount: '7', result: 'rejected', code: 'F02' },
      ])
    } finally {
      await stopAll(sender, receiver, a)
    }
  })
})
