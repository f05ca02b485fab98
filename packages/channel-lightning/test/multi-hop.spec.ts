import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BitcoinLedger } from '@stack/ledger-bitcoin'
import { LightningChannel } from '../src/index.js'
import { carrierPair, openChannel, openLedger, removePeer, startPeer, startRegtest, type Peer, type Regtest } from './fixture.js'

// The two connectors' nodes (alice, bob) have no channel with each other: carol, a third LDK node
// neither runs, forwards between them (BOLT 4 onion, route hint for bob's private channel in his invoice).
let chain: Regtest
let ledger: BitcoinLedger
const peers: Peer[] = []
beforeAll(async () => {
  chain = await startRegtest()
  ledger = await openLedger(chain)
  peers.push(await startPeer(chain, ledger, 'alice', 2_000_000))
  peers.push(await startPeer(chain, ledger, 'carol', 2_000_000))
  peers.push(await startPeer(chain, ledger, 'bob', 0))
  await chain.mine(1)
})
afterAll(async () => {
  for (const peer of peers) await peer.node.stop()
  await ledger?.close()
  await chain?.stop()
  peers.forEach(removePeer)
})

describe('settlement through a third Lightning node', () => {
  it('settles alice → carol → bob: bob credited exactly, carol earns its fee, alice pays amount + fee', async () => {
    const [alice, carol, bob] = peers as [Peer, Peer, Peer]
    await openChannel(chain, alice, carol, 1_000_000n)
    await openChannel(chain, carol, bob, 1_000_000n)
    expect(alice.node.channels().map((c) => c.counterparty)).toEqual([carol.node.nodeId])
    expect(bob.node.channels().map((c) => c.counterparty)).toEqual([carol.node.nodeId])

    const [toBob, toAlice] = carrierPair()
    const payer = new LightningChannel({ node: alice.node, peerNodeId: bob.node.nodeId, carrier: toBob, msatPerUnit: 1000n })
    const payee = new LightningChannel({ node: bob.node, peerNodeId: alice.node.nodeId, carrier: toAlice, msatPerUnit: 1000n })
    const credited: bigint[] = []
    payee.setValueHandler(({ amount }) => void credited.push(amount))
    payer.setValueHandler(() => undefined)

    // Balances above each side's reserve (outbound capacity is clamped at 0 below it): alice's, and carol's towards bob.
    const aliceOut = () => alice.node.channels()[0]!.outboundMsat
    const carolToBob = () => carol.node.channels().find((c) => c.counterparty === bob.node.nodeId)!.outboundMsat
    const carolFromAlice = () => carol.node.channels().find((c) => c.counterparty === alice.node.nodeId)!.inboundMsat
    const [aliceBefore, carolToBobBefore, carolFromAliceBefore] = [aliceOut(), carolToBob(), carolFromAlice()]
    let total = 0n
    for (let i = 1n; i <= 20n; i++) {
      await payer.sendValue(i * 100n)
      total += i * 100n
    }
    expect(credited.reduce((a, b) => a + b, 0n)).toBe(total)
    expect(payee.totals().received).toBe(total)
    const aliceSpent = aliceBefore - aliceOut()
    // What alice spent carol received; carol passed on exactly what bob was paid; the rest is carol's fee
    // (LDK's default forwarding fee: 1,000 msat base, 0 proportional, per payment).
    expect(carolFromAliceBefore - carolFromAlice()).toBe(aliceSpent)
    expect(carolToBobBefore - carolToBob()).toBe(total * 1000n)
    expect(aliceSpent - total * 1000n).toBe(20n * 1000n)
    expect([...bob.claimed.values()].reduce((a, b) => a + b, 0n)).toBe(total * 1000n)
  })
})
