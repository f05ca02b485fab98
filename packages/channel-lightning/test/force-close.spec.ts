import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BitcoinLedger } from '@stack/ledger-bitcoin'
import type { Transaction } from 'bitcoinjs-lib'
import { rmSync } from 'node:fs'
import { SWEEP_DEPTH } from '../src/index.js'
import { crashCopy, feeOf, restartPeer, transaction, until, valueTo, type Peer, type Regtest, startTwoPeers, stopTwoPeers } from './fixture.js'

// A restart of the payee mid-way keeps its channel; then the payee vanishes, the payer force-closes,
// waits out to_self_delay and sweeps — its sweep's broadcast lost, then made again from its journal
// after a restart, once — and the payee, back later, sees the close on chain and sweeps its side.
let chain: Regtest
let ledger: BitcoinLedger
let alice: Peer
let bob: Peer
beforeAll(async () => {
  ;({ chain, ledger, alice, bob } = await startTwoPeers())
})
afterAll(() => stopTwoPeers({ chain, ledger, alice, bob }))

const CAPACITY = 500_000n

async function spenderOf(txid: string): Promise<Transaction | undefined> {
  for (const id of await ledger.rpc.getRawMempool()) {
    const tx = await transaction(chain, id)
    if (tx.ins.some((input) => Buffer.from(input.hash).reverse().toString('hex') === txid)) return tx
  }
  return undefined
}

async function payBob(times: number, msat: bigint): Promise<void> {
  for (let i = 0; i < times; i++) await alice.node.pay(bob.node.createInvoice(msat, `payment ${i}`).invoice)
}

describe('restart, then force close', () => {
  let fundingTxid: string
  let channelId: string

  it('keeps the channel across a restart of the payee (state read back from its directory)', async () => {
    await alice.node.connect(bob.node.nodeId, '127.0.0.1', bob.port)
    await until('the peers to connect', () => alice.node.connectedPeers().includes(bob.node.nodeId))
    alice.node.openChannel(bob.node.nodeId, CAPACITY)
    await until('the funding', async () => {
      const txid = alice.node.channels()[0]?.fundingTxid
      return txid !== undefined && (await ledger.rpc.getRawMempool()).includes(txid)
    }, [alice.node])
    fundingTxid = alice.node.channels()[0]!.fundingTxid!
    await chain.mine(1)
    await until('the channel', () => alice.node.channels()[0]?.usable === true && bob.node.channels()[0]?.usable === true, [alice.node, bob.node])
    channelId = alice.node.channels()[0]!.channelId
    await payBob(10, 7_000_000n)

    const bobId = bob.node.nodeId
    await bob.node.stop()
    await chain.mine(3) // blocks the stopped node must catch up on
    const claimedBefore = bob.claimed
    await restartPeer(chain, bob)
    bob.claimed = claimedBefore
    bob.node.on('paymentClaimed', ({ paymentHash, amountMsat }) => claimedBefore.set(paymentHash, amountMsat))
    expect(bob.node.nodeId).toBe(bobId)
    expect(bob.node.channels().map((c) => [c.channelId, c.outboundMsat > 0n])).toEqual([[channelId, true]])
    await alice.node.connect(bob.node.nodeId, '127.0.0.1', bob.port)
    await until('the channel again', () => alice.node.channels()[0]?.usable === true && bob.node.channels()[0]?.usable === true, [alice.node, bob.node])
    await payBob(10, 7_000_000n)
    // PaymentClaimed is at least once (LDK replays what a manager written before it did not record): credit by payment hash.
    await until('every claim', () => bob.claimed.size === 20)
    expect([...bob.claimed.values()].reduce((a, b) => a + b, 0n)).toBe(140_000_000n)
    expect(bob.errors).toEqual([])
  })

  it('force-closes when the payee vanishes: the payee’s side exact on chain, the payer’s swept after to_self_delay', async () => {
    await bob.node.stop()
    alice.node.forceCloseChannel(channelId, bob.node.nodeId)
    let commitment: Transaction | undefined
    await until('the commitment transaction', async () => (commitment = await spenderOf(fundingTxid)) !== undefined, [alice.node])
    const commitmentFee = await feeOf(chain, commitment!)
    const toBob = commitment!.outs.find((o) => o.value === 140_000n)
    expect(toBob).toBeDefined()
    expect(commitment!.outs.reduce((a, o) => a + o.value, 0n) + commitmentFee).toBe(CAPACITY)
    const toAlice = CAPACITY - commitmentFee - 140_000n
    expect(commitment!.outs.some((o) => o.value === toAlice)).toBe(true)

    await chain.mine(1)
    await until('the close', () => alice.node.channels().length === 0, [alice.node])
    // Nothing to sweep before the delay (BOLT 3 to_local: OP_CSV of to_self_delay blocks).
    await chain.mine(100)
    await alice.node.sync()
    expect(alice.node.sweeps()).toEqual([])
    expect(alice.node.claimableSats()).toBe(toAlice)
    // LDK hands the output once; the sweep is journaled, and its broadcast never reaches the chain.
    alice.losesBroadcasts = true
    await chain.mine(50)
    await until('the sweep, journaled', () => alice.node.sweeps().length === 1, [alice.node])
    const { txid } = alice.node.sweeps()[0]!
    expect(await ledger.rpc.getRawMempool()).not.toContain(txid)
    expect(alice.errors.map((e) => e.message)).toContain('the broadcast was lost')
    // Alice dies now and comes back from her directory: the journaled sweep goes out again, the same transaction.
    const copy = crashCopy(alice, 'sweep')
    await alice.node.stop()
    rmSync(alice.dataDir, { recursive: true, force: true })
    alice = { ...copy, losesBroadcasts: false }
    await restartPeer(chain, alice)
    await until('the sweep in the mempool', async () => (await ledger.rpc.getRawMempool()).includes(txid), [alice.node])
    const sweep = await transaction(chain, txid)
    expect(valueTo(sweep, alice.sweepScript) + (await feeOf(chain, sweep))).toBe(toAlice)
    await chain.mine(SWEEP_DEPTH)
    await until('the sweep to be final', () => alice.node.sweeps()[0]?.final === true, [alice.node])
    // Known after another restart, nothing swept twice.
    await alice.node.stop()
    await restartPeer(chain, alice)
    await alice.node.sync()
    expect(alice.node.sweeps().map((s) => [s.txid, s.final])).toEqual([[txid, true]])
    expect(alice.swept).toEqual([])

    // The payee comes back: its monitor finds the commitment on chain and hands back its output.
    await restartPeer(chain, bob)
    await until('the payee’s sweep', () => bob.swept.length === 1, [bob.node])
    const bobSweep = await transaction(chain, bob.swept[0]!)
    expect(valueTo(bobSweep, bob.sweepScript) + (await feeOf(chain, bobSweep))).toBe(140_000n)
    await chain.mine(1)
    await until('the ledger to see both sweeps', async () => (await ledger.getBalance('bob-sweep')) > 0n && (await ledger.getBalance('alice-sweep')) > 0n)
    expect(await ledger.getBalance('alice-sweep')).toBe(valueTo(sweep, alice.sweepScript))
    expect(await ledger.getBalance('bob-sweep')).toBe(valueTo(bobSweep, bob.sweepScript))
    expect(alice.errors).toEqual([])
    expect(bob.node.sweeps()).toHaveLength(1)
  })
})
