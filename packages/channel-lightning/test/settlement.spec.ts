import { createHash, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BitcoinLedger } from '@stack/ledger-bitcoin'
import { MalformedClaimError, type ClaimCarrier } from '@stack/channel-core'
import { ForgedPaymentError, LightningChannel, ReplayedPaymentError, encodeSettlementMessage } from '../src/index.js'
import { carrierPair, feeOf, openChannel, transaction, restartPeer, until, type Peer, type Regtest, startTwoPeers, stopTwoPeers } from './fixture.js'

// ILP settlement over Lightning: the payer gets an invoice from the payee over the link, pays it, and
// claims the credit with the preimage; the payee credits each payment hash once, across restarts.
let chain: Regtest
let ledger: BitcoinLedger
let alice: Peer
let bob: Peer
beforeAll(async () => {
  ;({ chain, ledger, alice, bob } = await startTwoPeers())
})
afterAll(() => stopTwoPeers({ chain, ledger, alice, bob }))

describe('LightningChannel', () => {
  const CAPACITY = 1_000_000n
  let channelId: string
  let fundingTxid: string
  let toBob: ClaimCarrier
  let toAlice: ClaimCarrier
  let payer: LightningChannel
  let payee: LightningChannel
  const credited: bigint[] = []
  /** What bob's side sent back: a genuine payment claim, kept to replay. */
  const claims: Uint8Array[] = []

  function channels(): void {
    payer = new LightningChannel({ node: alice.node, peerNodeId: bob.node.nodeId, carrier: toBob, msatPerUnit: 1000n })
    payee = new LightningChannel({ node: bob.node, peerNodeId: alice.node.nodeId, carrier: toAlice, msatPerUnit: 1000n })
    payer.setValueHandler(() => {
      throw new Error('alice is paid nothing')
    })
    payee.setValueHandler(({ amount, proof }) => {
      credited.push(amount)
      claims.push(proof)
    })
  }

  beforeAll(async () => {
    ;[toBob, toAlice] = carrierPair()
    ;({ channelId, fundingTxid } = await openChannel(chain, alice, bob, CAPACITY))
    channels()
  })

  it('settles 300 amounts, each credited once and exactly, the totals on both sides equal', async () => {
    let total = 0n
    for (let i = 1n; i <= 300n; i++) {
      await payer.sendValue(i * 10n)
      total += i * 10n
    }
    expect(credited.length).toBe(300)
    expect(credited.reduce((a, b) => a + b, 0n)).toBe(total)
    expect(payer.totals()).toEqual({ sent: total, received: 0n })
    expect(payee.totals()).toEqual({ sent: 0n, received: total })
    expect([...bob.claimed.values()].reduce((a, b) => a + b, 0n)).toBe(total * 1000n)
  })

  it('refuses a replayed claim, a forged preimage, a hash it never invoiced and a malformed proof, crediting nothing', async () => {
    const before = payee.totals().received
    const genuine = claims[0]!
    await expect(toBob.sendValue(10n, { proof: genuine })).rejects.toBeInstanceOf(ReplayedPaymentError)
    const { paymentHash } = JSON.parse(new TextDecoder().decode(genuine)) as { paymentHash: string }
    const forged = encodeSettlementMessage({ type: 'paid', paymentHash, preimage: randomBytes(32).toString('hex') })
    await expect(toBob.sendValue(10n, { proof: forged })).rejects.toBeInstanceOf(ForgedPaymentError)
    const preimage = randomBytes(32)
    const unknown = encodeSettlementMessage({ type: 'paid', paymentHash: createHash('sha256').update(preimage).digest('hex'), preimage: preimage.toString('hex') })
    await expect(toBob.sendValue(10n, { proof: unknown })).rejects.toBeInstanceOf(ForgedPaymentError)
    await expect(toBob.sendValue(10n, { proof: new TextEncoder().encode('{"type":"paid"}') })).rejects.toBeInstanceOf(MalformedClaimError)
    expect(payee.totals().received).toBe(before)
  })

  it('keeps its books across a restart of the payee: a replay is still refused, new settlements credited', async () => {
    const before = payee.totals().received
    await bob.node.stop()
    await restartPeer(chain, bob)
    ;[toBob, toAlice] = carrierPair()
    channels()
    await alice.node.connect(bob.node.nodeId, '127.0.0.1', bob.port)
    await until('the channel again', () => alice.node.channels()[0]?.usable === true && bob.node.channels()[0]?.usable === true, [alice.node, bob.node])
    expect(payee.totals().received).toBe(before)
    await expect(toBob.sendValue(10n, { proof: claims[0]! })).rejects.toBeInstanceOf(ReplayedPaymentError)
    await payer.sendValue(1234n)
    expect(payee.totals().received).toBe(before + 1234n)
  })

  it('closes cooperatively: the payee’s output on chain is exactly what it was credited, the rest the payer’s less the fee', async () => {
    const received = payee.totals().received
    expect(payer.totals().sent).toBe(received)
    alice.node.closeChannel(channelId, bob.node.nodeId)
    let closingTxid: string | undefined
    await until('the closing transaction', async () => {
      for (const txid of await ledger.rpc.getRawMempool()) {
        const tx = await transaction(chain, txid)
        if (tx.ins.some((input) => Buffer.from(input.hash).reverse().toString('hex') === fundingTxid)) closingTxid = txid
      }
      return closingTxid !== undefined
    }, [alice.node, bob.node])
    const closing = await transaction(chain, closingTxid!)
    const fee = await feeOf(chain, closing)
    const values = closing.outs.map((o) => o.value)
    expect(values).toContain(received) // msatPerUnit 1000: units are sats
    expect(values.reduce((a, b) => a + b, 0n) + fee).toBe(CAPACITY)
    expect(values.find((v) => v !== received)).toBe(CAPACITY - fee - received)
  })
})
