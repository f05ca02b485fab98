import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BitcoinLedger } from '@stack/ledger-bitcoin'
import { feeOf, transaction, until, valueTo, type Peer, type Regtest, startTwoPeers, stopTwoPeers } from './fixture.js'

// Two LDK nodes over loopback TCP, a channel funded on a bcoin regtest chain, BOLT11 payments, a cooperative close.
let chain: Regtest
let ledger: BitcoinLedger
let alice: Peer
let bob: Peer
beforeAll(async () => {
  ;({ chain, ledger, alice, bob } = await startTwoPeers())
})
afterAll(() => stopTwoPeers({ chain, ledger, alice, bob }))

describe('a channel between two LDK nodes', () => {
  const CAPACITY = 1_000_000n
  let channelId: string
  let fundingTxid: string

  it('connects over TCP and opens a channel funded by a segwit transaction on the chain', async () => {
    await alice.node.connect(bob.node.nodeId, '127.0.0.1', bob.port)
    await until('the peers to connect', () => alice.node.connectedPeers().includes(bob.node.nodeId))
    alice.node.openChannel(bob.node.nodeId, CAPACITY)
    await until('the funding transaction', () => alice.node.channels()[0]?.fundingTxid !== undefined, [alice.node])
    fundingTxid = alice.node.channels()[0]!.fundingTxid!
    await until('the funding in the mempool', async () => (await ledger.rpc.getRawMempool()).includes(fundingTxid), [alice.node])
    await chain.mine(1)
    await until('the channel to be usable', () => alice.node.channels()[0]?.usable === true && bob.node.channels()[0]?.usable === true, [alice.node, bob.node])
    channelId = alice.node.channels()[0]!.channelId
    const funding = await transaction(chain, fundingTxid)
    expect(funding.outs.some((o) => o.value === CAPACITY)).toBe(true)
    expect(alice.errors).toEqual([])
  })

  it('pays BOLT11 invoices, each for exactly its amount, credited once to the payee', async () => {
    const claimed = new Map<string, bigint>()
    bob.node.on('paymentClaimed', ({ paymentHash, amountMsat }) => claimed.set(paymentHash, amountMsat))
    let total = 0n
    for (let i = 1; i <= 50; i++) {
      const amount = BigInt(i) * 1_000n
      const { invoice, paymentHash } = bob.node.createInvoice(amount, `ilp ${i}`)
      const payment = await alice.node.pay(invoice)
      expect(payment.paymentHash).toBe(paymentHash)
      expect(payment.feeMsat).toBe(0n)
      total += amount
    }
    // A payment of most of the channel goes through (LDK's 10 % in-flight limit is lifted).
    const big = bob.node.createInvoice(600_000_000n, 'most of it')
    await alice.node.pay(big.invoice)
    total += 600_000_000n
    await until('every claim', () => claimed.size === 51)
    expect([...claimed.values()].reduce((a, b) => a + b, 0n)).toBe(total)
    expect(bob.node.channels()[0]!.outboundMsat).toBeLessThanOrEqual(total)
    const bobBalance = bob.node.channels()[0]!
    expect(bobBalance.inboundMsat + bobBalance.outboundMsat).toBeLessThan(CAPACITY * 1000n)
  })

  it('closes cooperatively: the payee gets exactly what it was paid on chain, the funder the rest less the closing fee', async () => {
    const paid = 600_000_000n + 1_275_000n // 1..50 k msat and the big one
    alice.node.closeChannel(channelId, bob.node.nodeId)
    let closingTxid: string | undefined
    await until('the closing transaction', async () => {
      const mempool = await ledger.rpc.getRawMempool()
      for (const txid of mempool) {
        const tx = await transaction(chain, txid)
        if (tx.ins.some((input) => Buffer.from(input.hash).reverse().toString('hex') === fundingTxid)) closingTxid = txid
      }
      return closingTxid !== undefined
    }, [alice.node, bob.node])
    const closing = await transaction(chain, closingTxid!)
    const fee = await feeOf(chain, closing)
    const values = closing.outs.map((o) => o.value).sort((a, b) => (a < b ? -1 : 1))
    expect(values).toContain(paid / 1000n)
    expect(values.reduce((a, b) => a + b, 0n) + fee).toBe(CAPACITY)
    await chain.mine(1)
    await until('both to see the close', () => alice.node.channels().length === 0 && bob.node.channels().length === 0, [alice.node, bob.node])
    // The outputs LDK hands back are swept to each side's wallet address once deep enough (ANTI_REORG_DELAY, 6 blocks).
    const swept: string[] = []
    alice.node.on('swept', ({ txid }) => swept.push(txid))
    bob.node.on('swept', ({ txid }) => swept.push(txid))
    await chain.mine(6)
    await until('both sweeps', () => swept.length === 2, [alice.node, bob.node])
    await chain.mine(1)
    let sweptTotal = 0n
    let sweepFees = 0n
    for (const txid of swept) {
      const tx = await transaction(chain, txid)
      sweptTotal += valueTo(tx, alice.sweepScript) + valueTo(tx, bob.sweepScript)
      sweepFees += await feeOf(chain, tx)
    }
    expect(sweptTotal + sweepFees + fee).toBe(CAPACITY)
    await until('the ledger to see the sweeps', async () => (await ledger.getBalance('bob-sweep')) > 0n)
    const bobSwept = await ledger.getBalance('bob-sweep')
    const aliceSwept = await ledger.getBalance('alice-sweep')
    expect(aliceSwept + bobSwept + sweepFees + fee).toBe(CAPACITY)
    expect(alice.errors).toEqual([])
    expect(bob.errors).toEqual([])
  })
})
