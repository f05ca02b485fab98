import { createHash, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BitcoinLedger } from '@stack/ledger-bitcoin'
import { MalformedClaimError, type ClaimCarrier } from '@stack/channel-core'
import { ForgedPaymentError, LightningChannel, UnknownPeerNodeError, encodeSettlementMessage } from '../src/index.js'
import { carrierPair, feeOf, openChannel, transaction, restartPeer, until, type Peer, type Regtest, startTwoPeers, stopTwoPeers } from './fixture.js'

// ILP settlement over Lightning: the payer gets an invoice from the payee over the link and pays it;
// the payee credits each payment hash once, on its own node's claim, across restarts. The payer's
// `paid` notice is checked: replayed, it credits nothing; forged or malformed, it is refused.
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
  /** Sats alice's node pays bob's outside the channel's settlements. */
  const DIRECT = 5_000n
  let channelId: string
  let fundingTxid: string
  let toBob: ClaimCarrier
  let toAlice: ClaimCarrier
  let payer: LightningChannel
  let payee: LightningChannel
  const credited: bigint[] = []
  /** The payment hashes bob credited (the value handler's proof). */
  const hashes: string[] = []
  /** A genuine `paid` notice of alice's: the preimage her node journaled. */
  const notice = (hash: string): Uint8Array => {
    const outcome = alice.node.payment(hash)
    if (outcome?.status !== 'sent') throw new Error(`alice did not pay ${hash}`)
    return encodeSettlementMessage({ type: 'paid', paymentHash: hash, preimage: outcome.preimage })
  }

  function channels(): void {
    // The channels of before leave the carriers and their books' files first.
    void payer?.stop()
    void payee?.stop()
    payer = new LightningChannel({ node: alice.node, peerNodeId: bob.node.nodeId, carrier: toBob, msatPerUnit: 1000n })
    payee = new LightningChannel({ node: bob.node, peerNodeId: alice.node.nodeId, carrier: toAlice, msatPerUnit: 1000n })
    payer.setValueHandler(() => {
      throw new Error('alice is paid nothing')
    })
    payee.setValueHandler(({ amount, proof }) => {
      credited.push(amount)
      hashes.push(Buffer.from(proof).toString('hex'))
    })
  }

  beforeAll(async () => {
    ;[toBob, toAlice] = carrierPair()
    ;({ channelId, fundingTxid } = await openChannel(chain, alice, bob, CAPACITY))
    channels()
  })

  it('settles 150 amounts, each credited once and exactly, the totals on both sides equal', async () => {
    let total = 0n
    for (let i = 1n; i <= 150n; i++) {
      await payer.sendValue(i * 10n)
      total += i * 10n
    }
    expect(credited.length).toBe(150)
    expect(new Set(hashes).size).toBe(150)
    expect(credited.reduce((a, b) => a + b, 0n)).toBe(total)
    expect(payer.totals()).toEqual({ sent: total, received: 0n })
    expect(payee.totals()).toEqual({ sent: 0n, received: total })
    expect([...bob.claimed.values()].reduce((a, b) => a + b, 0n)).toBe(total * 1000n)
  })

  it('credits nothing for a replayed notice; refuses a forged preimage, a hash it never invoiced, value on the link and a malformed proof', async () => {
    const before = payee.totals().received
    const paymentHash = hashes[0]!
    // A notice sent again (the payer restarted) is answered, and credits nothing more.
    await toBob.sendValue(0n, { proof: notice(paymentHash) })
    await expect(toBob.sendValue(10n, { proof: notice(paymentHash) })).rejects.toBeInstanceOf(MalformedClaimError)
    const forged = encodeSettlementMessage({ type: 'paid', paymentHash, preimage: randomBytes(32).toString('hex') })
    await expect(toBob.sendValue(0n, { proof: forged })).rejects.toBeInstanceOf(ForgedPaymentError)
    const preimage = randomBytes(32)
    const unknown = encodeSettlementMessage({ type: 'paid', paymentHash: createHash('sha256').update(preimage).digest('hex'), preimage: preimage.toString('hex') })
    await expect(toBob.sendValue(0n, { proof: unknown })).rejects.toBeInstanceOf(ForgedPaymentError)
    await expect(toBob.sendValue(0n, { proof: new TextEncoder().encode('{"type":"paid"}') })).rejects.toBeInstanceOf(MalformedClaimError)
    expect(payee.totals().received).toBe(before)
    expect(credited.length).toBe(150)
  })

  it('pays an invoice once however often it is paid; refuses to settle with a peer whose node it does not know', async () => {
    const { invoice, paymentHash } = bob.node.createInvoice(DIRECT * 1000n, 'paid twice?')
    // Twice at once (the second waits for the first's outcome), then once more.
    const [first, second] = await Promise.all([alice.node.pay(invoice), alice.node.pay(invoice)])
    expect(second).toEqual(first)
    expect(await alice.node.pay(invoice)).toEqual(first)
    await until('the claim', () => bob.claimed.has(paymentHash), [bob.node])
    expect(bob.node.claimedMsat(paymentHash)).toBe(DIRECT * 1000n)
    expect(alice.node.payment(paymentHash)).toMatchObject({ status: 'sent', preimage: first.preimage })
    // No peerNodeId, and no hello comes over this carrier: nothing is paid.
    const silent: ClaimCarrier = { sendValue: () => Promise.reject(new Error('nobody there')), setValueHandler: () => undefined }
    const unknown = new LightningChannel({ node: alice.node, books: 'nobody', carrier: silent, msatPerUnit: 1000n })
    await expect(unknown.sendValue(10n)).rejects.toBeInstanceOf(UnknownPeerNodeError)
    expect(() => new LightningChannel({ node: alice.node, carrier: silent, msatPerUnit: 1000n })).toThrow(expect.objectContaining({ name: 'InvalidChannelOptionError' }))
    await unknown.stop()
  })

  it('keeps its books across a restart of the payee: a replay still credits nothing, new settlements are credited', async () => {
    const before = payee.totals().received
    await bob.node.stop()
    await restartPeer(chain, bob)
    ;[toBob, toAlice] = carrierPair()
    channels()
    await alice.node.connect(bob.node.nodeId, '127.0.0.1', bob.port)
    await until('the channel again', () => alice.node.channels()[0]?.usable === true && bob.node.channels()[0]?.usable === true, [alice.node, bob.node])
    expect(payee.totals().received).toBe(before)
    await toBob.sendValue(0n, { proof: notice(hashes[0]!) })
    expect(payee.totals().received).toBe(before)
    await payer.sendValue(1234n)
    expect(payee.totals().received).toBe(before + 1234n)
    expect(credited.length).toBe(151)
  })

  it('closes cooperatively: the payee’s output on chain is exactly what it was credited (and paid directly), the rest the payer’s less the fee', async () => {
    expect(payer.totals().sent).toBe(payee.totals().received)
    const received = payee.totals().received + DIRECT
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
