import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BitcoinLedger } from '@stack/ledger-bitcoin'
import type { ClaimCarrier } from '@stack/channel-core'
import { LightningChannel, RecoveredPaymentError, decodeSettlementMessage } from '../src/index.js'
import { carrierPair, crashCopy, feeOf, openChannel, relay, restartPeer, transaction, until, type Peer, type Regtest, startTwoPeers, stopTwoPeers } from './fixture.js'

// The payer crashes at the instants that matter — after the invoice came and before paying, while
// its HTLC is in flight (the payee has claimed it), after its payment and before its `paid`
// notice reached the payee — and restarts from what its data directory held at that instant; the
// payee crashes after its node claimed a payment and before it credited it. No
// instant loses or doubles a satoshi: the totals of both sides agree with what moved, and the
// cooperative close puts exactly the credited amount in the payee's output on chain.
let chain: Regtest
let ledger: BitcoinLedger
let alice: Peer
let bob: Peer
const copies: string[] = []
beforeAll(async () => {
  ;({ chain, ledger, alice, bob } = await startTwoPeers())
  // The first directories too: the peers end on copies of them.
  copies.push(alice.dataDir, bob.dataDir)
})
afterAll(async () => {
  await stopTwoPeers({ chain, ledger, alice, bob })
  for (const dir of copies) rmSync(dir, { recursive: true, force: true })
})

/** Sees each message as it is handed over; throwing drops it (the link went down). */
type Hook = (message: ReturnType<typeof decodeSettlementMessage>) => void

describe('a payer crashing around a settlement', () => {
  const CAPACITY = 1_000_000n
  let toBob: ClaimCarrier
  let toAlice: ClaimCarrier
  let payer: LightningChannel
  let payee: LightningChannel
  let cut: () => void
  let onMessage: Hook = () => undefined
  const credited: bigint[] = []
  /** The payment hashes of the `paid` notices the payee answered. */
  const answered = new Set<string>()

  function payerChannel(): LightningChannel {
    const channel = new LightningChannel({ node: alice.node, peerNodeId: bob.node.nodeId, carrier: toBob, msatPerUnit: 1000n, retryIntervalMs: 200, timeoutMs: 15_000 })
    channel.setValueHandler(() => {
      throw new Error('alice is paid nothing')
    })
    return channel
  }

  /** The carriers, with the hook in front of each message. */
  function carriers(): [ClaimCarrier, ClaimCarrier] {
    const [a, b] = carrierPair()
    const hooked = (carrier: ClaimCarrier): ClaimCarrier => ({
      async sendValue(amount, options) {
        const message = decodeSettlementMessage(options.proof)
        onMessage(message)
        await carrier.sendValue(amount, options)
        if (message.type === 'paid') answered.add(message.paymentHash)
      },
      setValueHandler: (handler) => carrier.setValueHandler(handler)
    })
    return [hooked(a), hooked(b)]
  }

  /** Alice dies now: a copy of her directory is what a restart will find; her node is cut off from bob at once. */
  function crash(label: string): Peer {
    const copy = crashCopy(alice, label)
    copies.push(copy.dataDir)
    cut()
    // The dead process's channel hears nothing more (its carrier side goes to the next one).
    void payer.stop()
    return copy
  }

  /** Alice comes back from `copy`; `started` looks at her node before it meets bob again. */
  async function restart(copy: Peer, started: () => void = () => undefined): Promise<void> {
    const dead = alice.node
    await dead.stop() // writes only into the old directory, which nothing reads again
    alice = copy
    await restartPeer(chain, alice)
    started()
    payer = payerChannel()
    // Through a relay again: the next crash cuts it.
    const r = await relay(bob.port)
    cut = r.cut
    await alice.node.connect(bob.node.nodeId, '127.0.0.1', r.port)
    await until('the channel again', () => alice.node.channels()[0]?.usable === true && bob.node.channels()[0]?.usable === true, [alice.node, bob.node])
  }

  beforeAll(async () => {
    ;[toBob, toAlice] = carriers()
    const r = await relay(bob.port)
    cut = r.cut
    await openChannel(chain, alice, bob, CAPACITY, r.port)
    payer = payerChannel()
    payee = new LightningChannel({ node: bob.node, peerNodeId: alice.node.nodeId, carrier: toAlice, msatPerUnit: 1000n, retryIntervalMs: 200 })
    payee.setValueHandler(({ amount }) => void credited.push(amount))
    await payer.sendValue(1_000n)
    expect(payee.totals()).toEqual({ sent: 0n, received: 1_000n })
  })

  it('after the invoice came and before paying: nothing moved, nothing counted; the next settlement pays once', async () => {
    let copy: Peer | undefined
    onMessage = ({ type }) => {
      if (type !== 'invoice') return
      copy = crash('before-pay')
      throw new Error('the link went down')
    }
    const lost = payer.sendValue(2_000n).then(() => 'resolved', (error: Error) => error.name)
    await until('the crash', () => copy !== undefined)
    onMessage = () => undefined
    await restart(copy!)
    expect(await lost).toBe('UnexpectedInvoiceError')
    expect(payer.totals()).toEqual({ sent: 1_000n, received: 0n })
    expect(payee.totals().received).toBe(1_000n)
    await payer.sendValue(3_000n)
    expect(payer.totals().sent).toBe(4_000n)
    expect(payee.totals().received).toBe(4_000n)
  })

  it('with the HTLC in flight (the payee has claimed it): the payment is found sent after the restart, counted once on both sides', async () => {
    let copy: Peer | undefined
    let hash: string | undefined
    bob.node.once('paymentClaimed', ({ paymentHash }) => {
      hash = paymentHash
      copy = crash('in-flight')
    })
    const lost = payer.sendValue(5_000n).catch(() => undefined)
    await until('the crash', () => copy !== undefined)
    await restart(copy!, () => expect(alice.node.payment(hash!)).toEqual({ status: 'pending' }))
    await lost
    // Bob credited from his own node's claim; alice's node learns of the fulfilment at the reconnection.
    await until('both sides to count it', () => payer.totals().sent === 9_000n && payee.totals().received === 9_000n, [alice.node, bob.node])
    // The next settlement first reports the payment that completed after its own was over, or (if it was known at the restart) pays.
    await payer.sendValue(6_000n).catch(async (error: unknown) => {
      expect(error).toBeInstanceOf(RecoveredPaymentError)
      expect((error as RecoveredPaymentError).amount).toBe(5_000n)
      await payer.sendValue(6_000n)
    })
    expect(payer.totals().sent).toBe(15_000n)
    expect(payee.totals().received).toBe(15_000n)
  })

  it('after paying and before the `paid` notice: the payee credits from its own claim, the notice is sent again after the restart', async () => {
    let copy: Peer | undefined
    let dropped: string | undefined
    const dying = payer
    onMessage = (message) => {
      // The first notice once the payment of 7 000 is sent (its own, or one sent again).
      if (message.type !== 'paid' || copy !== undefined || dying.totals().sent !== 22_000n) return
      dropped = message.paymentHash
      copy = crash('before-notice')
      throw new Error('the link went down')
    }
    await payer.sendValue(7_000n).catch(() => undefined)
    expect(copy).toBeDefined()
    onMessage = () => undefined
    await until('the payee’s credit', () => payee.totals().received === 22_000n, [bob.node])
    await restart(copy!)
    expect(payer.totals().sent).toBe(22_000n)
    await until('the notice, sent again and answered', () => answered.has(dropped!))
    expect(payee.totals().received).toBe(22_000n)
    await payer.sendValue(8_000n)
    expect(payer.totals()).toEqual({ sent: 30_000n, received: 0n })
    expect(payee.totals()).toEqual({ sent: 0n, received: 30_000n })
    expect(credited.reduce((a, b) => a + b, 0n)).toBe(30_000n)
  })

  it('the payee crashing after its node claimed and before it credited: restarted, it credits from its journal, once', async () => {
    let copy: Peer | undefined
    // Once the claim's round is over (journaled, the manager written), ahead of bob's channel: the instant before it credits.
    bob.node.prependOnceListener('paymentClaimed', () => queueMicrotask(() => {
      copy = crashCopy(bob, 'payee')
      copies.push(copy.dataDir)
      cut()
      void payee.stop()
    }))
    const paying = payer.sendValue(9_000n).catch(() => undefined)
    await until('the crash', () => copy !== undefined)
    expect(payee.totals().received).toBe(30_000n)
    await bob.node.stop()
    bob = copy!
    await restartPeer(chain, bob)
    payee = new LightningChannel({ node: bob.node, peerNodeId: alice.node.nodeId, carrier: toAlice, msatPerUnit: 1000n, retryIntervalMs: 200 })
    payee.setValueHandler(({ amount }) => void credited.push(amount))
    const r = await relay(bob.port)
    cut = r.cut
    await alice.node.connect(bob.node.nodeId, '127.0.0.1', r.port)
    await until('the channel again', () => alice.node.channels()[0]?.usable === true && bob.node.channels()[0]?.usable === true, [alice.node, bob.node])
    await until('both sides to count it', () => payer.totals().sent === 39_000n && payee.totals().received === 39_000n, [alice.node, bob.node])
    await paying
    expect(credited.reduce((a, b) => a + b, 0n)).toBe(39_000n)
    expect(payer.totals()).toEqual({ sent: 39_000n, received: 0n })
  })

  it('closes cooperatively: the payee’s output is exactly what it was credited, the payer’s the rest less the fee', async () => {
    const channel = alice.node.channels()[0]!
    alice.node.closeChannel(channel.channelId, bob.node.nodeId)
    let closingTxid: string | undefined
    await until('the closing transaction', async () => {
      for (const txid of await ledger.rpc.getRawMempool()) {
        const tx = await transaction(chain, txid)
        if (tx.ins.some((input) => Buffer.from(input.hash).reverse().toString('hex') === channel.fundingTxid)) closingTxid = txid
      }
      return closingTxid !== undefined
    }, [alice.node, bob.node])
    const closing = await transaction(chain, closingTxid!)
    const fee = await feeOf(chain, closing)
    const values = closing.outs.map((o) => o.value).sort((a, b) => (a < b ? -1 : 1))
    expect(values).toEqual([39_000n, CAPACITY - 39_000n - fee])
    expect(alice.errors).toEqual([])
    expect(bob.errors).toEqual([])
  })
})
