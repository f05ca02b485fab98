import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InvalidAmountError, MAX_UINT64 } from '@stack/channel-core'
import { ContractRevertedError } from '@stack/ledger-ethereum'
import { decodeClaimProof, DepositExhaustedError, encodeClaimProof, NoOutgoingChannelError, paymentChannelAbi, signClaim, verifyClaim } from '../src/index.js'
import { Chain, ETHER, Pair } from './fixtures/chain.js'

let chain: Chain

beforeAll(async () => {
  chain = await Chain.start()
})
afterAll(async () => {
  await chain.stop()
})

const CLAIMS = 2_000

describe('EthereumChannel paying', () => {
  it(`opens a channel on chain, pays ${CLAIMS} claims off-chain (each verified), closes and withdraws: value conserved, gas reported`, async () => {
    const pair = new Pair(chain, { alice: { funding: { deposit: ETHER, timeoutSeconds: 600n } } })
    const aliceBefore = await chain.alice.getBalance('alice')
    const bobBefore = await chain.bob.getBalance('bob')
    let total = 0n
    for (let i = 1; i <= CLAIMS; i++) {
      const amount = BigInt(i) * 1_000_000_000n // 1..2000 gwei
      await pair.alice.sendValue(amount)
      total += amount
    }
    expect(pair.credited).toHaveLength(CLAIMS)
    expect(pair.creditedTotal).toBe(total)
    const channel = await pair.alice.outgoingChannel()
    expect(channel).toMatchObject({ deposit: ETHER, claimed: 0n, closed: false })
    // Each proof carried is a claim the contract's digest agrees with.
    const last = decodeClaimProof(pair.carriers[0].sent.at(-1) as Uint8Array)
    expect(last.amount).toBe(total)
    expect(await chain.contract.claimDigest(last.channelId, last.amount)).toBeDefined()
    expect(await verifyClaim({ chainId: chain.alice.chainId, verifyingContract: chain.address }, last.channelId, last.amount, last.signature, chain.alice.addressOf('alice'))).toBe(true)

    const openTx = (await chain.alice.publicClient.getContractEvents({ address: chain.address, abi: paymentChannelAbi, eventName: 'ChannelOpened', fromBlock: 0n })).at(-1)
    const openReceipt = await chain.alice.publicClient.getTransactionReceipt({ hash: openTx?.transactionHash as `0x${string}` })
    const openFee = openReceipt.gasUsed * openReceipt.effectiveGasPrice
    const paid = await pair.bob.settle()
    expect(paid).toBe(total)
    const closeReceipt = (await chain.bob.publicClient.getContractEvents({ address: chain.address, abi: paymentChannelAbi, eventName: 'ChannelClosed', fromBlock: 0n })).at(-1)
    const close = await chain.bob.publicClient.getTransactionReceipt({ hash: closeReceipt?.transactionHash as `0x${string}` })
    const closeFee = close.gasUsed * close.effectiveGasPrice
    // Conservation: bob got exactly the claims (less his close gas); alice paid them (plus her open gas), the remainder came back.
    expect(await chain.bob.getBalance('bob')).toBe(bobBefore + total - closeFee)
    expect(await chain.alice.getBalance('alice')).toBe(aliceBefore - total - openFee)
    expect(await chain.alice.getAddressBalance(chain.address)).toBe(0n)
    // Each side's summary names the transactions it sent, by the hashes the chain knows them by.
    expect(pair.alice.summary().transactions).toEqual([{ action: 'open', channelId: last.channelId, hash: openReceipt.transactionHash }])
    expect(pair.bob.summary().transactions).toEqual([{ action: 'close', channelId: last.channelId, hash: close.transactionHash }])
    console.log(`${CLAIMS} claims off-chain, ${total} wei in all; gas on chain for the whole channel: open ${openReceipt.gasUsed}, close ${close.gasUsed}`)
  })

  it('tops the channel up on demand, and refuses a payment beyond the deposit without funding', async () => {
    const pair = new Pair(chain, { alice: { funding: { deposit: 1_000n, topUpAmount: 500n, timeoutSeconds: 60n } } })
    await pair.alice.sendValue(900n)
    await pair.alice.sendValue(900n) // needs 1 800: tops up by max(500, 800)
    expect(await pair.alice.outgoingChannel()).toMatchObject({ deposit: 1_800n })
    await pair.alice.sendValue(100n) // needs 1 900: tops up by 500
    expect(await pair.alice.outgoingChannel()).toMatchObject({ deposit: 2_300n })
    expect(pair.creditedTotal).toBe(1_900n)

    const fixed = new Pair(chain, { alice: { funding: undefined } })
    await expect(fixed.alice.sendValue(1n)).rejects.toBeInstanceOf(NoOutgoingChannelError)
    await fixed.alice.openChannel(100n, 60n)
    await fixed.alice.sendValue(100n)
    await expect(fixed.alice.sendValue(1n)).rejects.toBeInstanceOf(DepositExhaustedError)
    await expect(fixed.alice.sendValue(-1n)).rejects.toBeInstanceOf(InvalidAmountError)
    await expect(fixed.alice.sendValue(MAX_UINT64 + 1n)).rejects.toBeInstanceOf(InvalidAmountError)
    expect(fixed.creditedTotal).toBe(100n)
  })

  it('credits only the growth after a lost acknowledgement, and redeems at the threshold without closing', async () => {
    const pair = new Pair(chain, { bob: { redeemThreshold: 1_000n } })
    await pair.alice.sendValue(300n)
    pair.carriers[0].loseAcks = true
    await expect(pair.alice.sendValue(200n)).rejects.toThrow()
    pair.carriers[0].loseAcks = false
    expect([pair.alice.totals(), pair.bob.totals()]).toEqual([{ sent: 300n, received: 0n }, { sent: 0n, received: 500n }])
    await pair.alice.sendValue(200n) // signs 500 again over the 300 alice knows was accepted
    expect(pair.credited.map((v) => v.amount)).toEqual([300n, 200n])
    expect([pair.alice.totals(), pair.bob.totals()]).toEqual([{ sent: 500n, received: 0n }, { sent: 0n, received: 500n }])
    await pair.alice.sendValue(600n) // 1 100 unredeemed ≥ 1 000: bob claims on chain
    const channel = await pair.alice.outgoingChannel()
    expect(channel).toMatchObject({ claimed: 1_100n, closed: false })
    await pair.alice.sendValue(50n)
    expect(await pair.bob.redeem()).toBe(50n)
    expect(await pair.alice.outgoingChannel()).toMatchObject({ claimed: 1_150n })
  })

  it('closes with the best claim when the sender starts a reclaim (tick), and the sender then has nothing to reclaim', async () => {
    const pair = new Pair(chain, { alice: { funding: { deposit: 10_000n, timeoutSeconds: 600n } } })
    await pair.alice.sendValue(4_000n)
    await pair.alice.startReclaim()
    expect(await pair.bob.tick()).toBe(4_000n)
    expect(await pair.alice.outgoingChannel()).toMatchObject({ claimed: 4_000n, closed: true })
    await chain.advance(601)
    await expect(pair.alice.reclaim()).rejects.toMatchObject({ name: 'ContractRevertedError', errorName: 'ChannelIsClosed' })
  })

  it('stops paying on a channel whose reclaim it started; a claim that still arrives on it is redeemed by closing at once', async () => {
    // Timeout 0: bob's read of the channel is never reused, so he sees the reclaim on the claim's arrival.
    const pair = new Pair(chain, { alice: { funding: { deposit: 10_000n, timeoutSeconds: 0n } } })
    await pair.alice.sendValue(100n)
    const { channelId } = decodeClaimProof(pair.carriers[0].sent[0] as Uint8Array)
    await pair.alice.startReclaim()
    const domain = { chainId: chain.alice.chainId, verifyingContract: chain.address }
    const late = encodeClaimProof({ channelId, amount: 150n, signature: await signClaim(chain.alice, 'alice', domain, channelId, 150n) })
    await pair.carriers[0].sendValue(50n, { proof: late })
    expect(await chain.contract.getChannel(channelId)).toMatchObject({ claimed: 150n, closed: true })
    expect(pair.bob.summary().incoming).toEqual([])
    // Alice's next payment opens a new channel rather than sign on the closed one.
    await pair.alice.sendValue(30n)
    expect(await pair.alice.outgoingChannel()).toMatchObject({ claimed: 0n, closed: false })
    expect(pair.credited.map((value) => value.amount)).toEqual([100n, 50n, 30n])
    // Both books: the 50 came from the test acting as a peer, not from alice's sendValue.
    expect([pair.alice.totals(), pair.bob.totals()]).toEqual([{ sent: 130n, received: 0n }, { sent: 0n, received: 180n }])
  })

  it('lets the sender reclaim everything unclaimed after the timeout when the receiver stays quiet', async () => {
    const pair = new Pair(chain, { alice: { funding: { deposit: 10_000n, timeoutSeconds: 60n } } })
    await pair.alice.sendValue(1_000n)
    await pair.alice.startReclaim()
    await expect(pair.alice.reclaim()).rejects.toBeInstanceOf(ContractRevertedError)
    await chain.advance(61)
    await pair.alice.reclaim()
    const closed = await pair.bob.settle() // too late: the channel is gone, the claim is dropped
    expect(closed).toBe(0n)
  })
})
