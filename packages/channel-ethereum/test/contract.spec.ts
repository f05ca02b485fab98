import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { privateKeyToAccount, generatePrivateKey } from 'viem/accounts'
import { type Hex } from 'viem'
import { ContractRevertedError } from '@stack/ledger-ethereum'
import { claimDigest, claimTypedData, signClaim, type ClaimDomain } from '../src/index.js'
import { Chain, ETHER } from './fixtures/chain.js'

// The PaymentChannel contract on its own: every refusal path reverts with its named error, and
// claims signed by our off-chain code are the ones the contract accepts.
let chain: Chain
let domain: ClaimDomain

beforeAll(async () => {
  chain = await Chain.start()
  domain = { chainId: chain.alice.chainId, verifyingContract: chain.address }
})
afterAll(async () => {
  await chain.stop()
})

async function open(deposit = ETHER, timeoutSeconds = 600n): Promise<Hex> {
  const { channelId } = await chain.as(chain.alice).open({ from: 'alice', receiver: chain.bob.addressOf('bob'), deposit, timeoutSeconds })
  return channelId
}

const sign = (channelId: Hex, amount: bigint): Promise<Hex> => signClaim(chain.alice, 'alice', domain, channelId, amount)

async function reverts(call: Promise<unknown>, errorName: string): Promise<ContractRevertedError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(ContractRevertedError)
  expect(error).toMatchObject({ errorName })
  return error as ContractRevertedError
}

describe('PaymentChannel contract', () => {
  it('computes the same EIP-712 claim digest as our off-chain code', async () => {
    const channelId = await open()
    for (const amount of [1n, 12_345n, ETHER]) {
      expect(await chain.contract.claimDigest(channelId, amount)).toBe(claimDigest(domain, channelId, amount))
    }
  })

  it('opens, tops up, redeems a claim signed off-chain, closes with a better one: receiver paid the claim, sender the remainder', async () => {
    const channelId = await open(ETHER)
    await chain.as(chain.alice).topUp('alice', channelId, ETHER)
    expect(await chain.contract.getChannel(channelId)).toMatchObject({ deposit: 2n * ETHER, claimed: 0n, closed: false, reclaimAt: undefined })
    const bobBefore = await chain.bob.getBalance('bob')
    const aliceBefore = await chain.alice.getBalance('alice')
    const claimed = await chain.as(chain.bob).claim('bob', channelId, 3n * 10n ** 17n, await sign(channelId, 3n * 10n ** 17n))
    const closed = await chain.as(chain.bob).close('bob', channelId, ETHER, await sign(channelId, ETHER))
    expect(await chain.bob.getBalance('bob')).toBe(bobBefore + ETHER - claimed.fee - closed.fee)
    expect(await chain.alice.getBalance('alice')).toBe(aliceBefore + ETHER)
    expect(await chain.contract.getChannel(channelId)).toMatchObject({ claimed: ETHER, closed: true })
  })

  it('reverts a claim with a bad signature: another key, another amount, another contract, a malleable twin, garbage', async () => {
    const channelId = await open()
    const bob = chain.as(chain.bob)
    const stranger = privateKeyToAccount(generatePrivateKey())
    const forged = await stranger.signTypedData(claimTypedData(domain, channelId, 100n))
    await reverts(bob.close('bob', channelId, 100n, forged), 'InvalidSignature')
    await reverts(bob.close('bob', channelId, 101n, await sign(channelId, 100n)), 'InvalidSignature')
    const otherContract = await signClaim(chain.alice, 'alice', { ...domain, verifyingContract: chain.bob.addressOf('bob') }, channelId, 100n)
    await reverts(bob.close('bob', channelId, 100n, otherContract), 'InvalidSignature')
    await reverts(bob.claim('bob', channelId, 100n, malleableTwin(await sign(channelId, 100n))), 'InvalidSignature')
    await reverts(bob.claim('bob', channelId, 100n, '0x1234'), 'InvalidSignature')
    // The genuine claim still works after all that.
    await bob.close('bob', channelId, 100n, await sign(channelId, 100n))
  })

  it('reverts a claim no higher than what was claimed, and a claim above the deposit', async () => {
    const channelId = await open(1_000n)
    const bob = chain.as(chain.bob)
    await bob.claim('bob', channelId, 500n, await sign(channelId, 500n))
    const lower = await reverts(bob.claim('bob', channelId, 400n, await sign(channelId, 400n)), 'ClaimNotIncreasing')
    expect(lower.errorArgs).toEqual([channelId, 400n, 500n])
    await reverts(bob.claim('bob', channelId, 500n, await sign(channelId, 500n)), 'ClaimNotIncreasing')
    await reverts(bob.close('bob', channelId, 400n, await sign(channelId, 400n)), 'ClaimNotIncreasing')
    const above = await reverts(bob.close('bob', channelId, 1_001n, await sign(channelId, 1_001n)), 'ClaimExceedsDeposit')
    expect(above.errorArgs).toEqual([channelId, 1_001n, 1_000n])
  })

  it('reverts an early reclaim, a reclaim never started, and pays the sender back after the timeout', async () => {
    const channelId = await open(ETHER, 600n)
    const alice = chain.as(chain.alice)
    await reverts(alice.reclaim('alice', channelId), 'ReclaimNotStarted')
    await alice.startReclaim('alice', channelId)
    await reverts(alice.startReclaim('alice', channelId), 'ReclaimAlreadyStarted')
    await reverts(alice.reclaim('alice', channelId), 'ReclaimTooEarly')
    await chain.advance(300)
    await reverts(alice.reclaim('alice', channelId), 'ReclaimTooEarly')
    // The receiver may still redeem in the window.
    await chain.as(chain.bob).claim('bob', channelId, 10n ** 17n, await sign(channelId, 10n ** 17n))
    await chain.advance(301)
    const before = await chain.alice.getBalance('alice')
    const reclaimed = await alice.reclaim('alice', channelId)
    expect(await chain.alice.getBalance('alice')).toBe(before + ETHER - 10n ** 17n - reclaimed.fee)
    await reverts(alice.reclaim('alice', channelId), 'ChannelIsClosed')
  })

  it('reverts a double close, and a close or claim after the sender reclaimed', async () => {
    const bob = chain.as(chain.bob)
    const closedByBob = await open()
    await bob.close('bob', closedByBob, 5n, await sign(closedByBob, 5n))
    await reverts(bob.close('bob', closedByBob, 5n, await sign(closedByBob, 5n)), 'ChannelIsClosed')
    await reverts(bob.close('bob', closedByBob, 6n, await sign(closedByBob, 6n)), 'ChannelIsClosed')
    const reclaimed = await open(ETHER, 0n)
    await chain.as(chain.alice).startReclaim('alice', reclaimed)
    await chain.as(chain.alice).reclaim('alice', reclaimed)
    await reverts(bob.claim('bob', reclaimed, 5n, await sign(reclaimed, 5n)), 'ChannelIsClosed')
    await reverts(bob.close('bob', reclaimed, 5n, await sign(reclaimed, 5n)), 'ChannelIsClosed')
  })

  it('reverts calls by the wrong party, an empty deposit, a bad receiver and an unknown channel', async () => {
    const channelId = await open()
    const sig = await sign(channelId, 5n)
    await reverts(chain.as(chain.mallory).close('mallory', channelId, 5n, sig), 'NotReceiver')
    await reverts(chain.as(chain.alice).close('alice', channelId, 5n, sig), 'NotReceiver')
    await reverts(chain.as(chain.mallory).startReclaim('mallory', channelId), 'NotSender')
    await reverts(chain.as(chain.bob).reclaim('bob', channelId), 'NotSender')
    await reverts(chain.as(chain.mallory).topUp('mallory', channelId, 1n), 'NotSender')
    await reverts(chain.as(chain.alice).open({ from: 'alice', receiver: chain.bob.addressOf('bob'), deposit: 0n, timeoutSeconds: 1n }), 'ZeroDeposit')
    await reverts(chain.as(chain.alice).open({ from: 'alice', receiver: chain.alice.addressOf('alice'), deposit: 1n, timeoutSeconds: 1n }), 'InvalidReceiver')
    await reverts(chain.as(chain.bob).close('bob', `0x${'00'.repeat(31)}01`, 5n, sig), 'UnknownChannel')
  })

  it('accepts a claim exactly when it is above what was claimed and within the deposit, as a model says', async () => {
    await fc.assert(
      fc.asyncProperty(fc.bigInt(1n, 1_000n), fc.array(fc.bigInt(0n, 1_200n), { minLength: 1, maxLength: 6 }), async (deposit, amounts) => {
        const channelId = await open(deposit)
        const bob = chain.as(chain.bob)
        let claimed = 0n
        for (const amount of amounts) {
          const signature = await sign(channelId, amount)
          if (amount > claimed && amount <= deposit) {
            await bob.claim('bob', channelId, amount, signature)
            claimed = amount
          } else {
            await reverts(bob.claim('bob', channelId, amount, signature), amount > claimed ? 'ClaimExceedsDeposit' : 'ClaimNotIncreasing')
          }
        }
        expect(await chain.contract.getChannel(channelId)).toMatchObject({ claimed, deposit })
      }),
      { numRuns: 15 }
    )
  })

  it('reports the gas each operation uses', async () => {
    const alice = chain.as(chain.alice)
    const bob = chain.as(chain.bob)
    const { channelId, transaction: opened } = await alice.open({ from: 'alice', receiver: chain.bob.addressOf('bob'), deposit: ETHER, timeoutSeconds: 600n })
    const toppedUp = await alice.topUp('alice', channelId, ETHER)
    const claimed = await bob.claim('bob', channelId, 1_000n, await sign(channelId, 1_000n))
    const closed = await bob.close('bob', channelId, 2_000n, await sign(channelId, 2_000n))
    const other = await open()
    const started = await alice.startReclaim('alice', other)
    await chain.advance(601)
    const reclaimed = await alice.reclaim('alice', other)
    const gas = { deploy: chain.deployGas, open: opened.gasUsed, topUp: toppedUp.gasUsed, claim: claimed.gasUsed, close: closed.gasUsed, startReclaim: started.gasUsed, reclaim: reclaimed.gasUsed }
    console.log(`PaymentChannel gas used: ${Object.entries(gas).map(([name, used]) => `${name} ${used}`).join(', ')}`)
    for (const used of Object.values(gas)) expect(used).toBeGreaterThan(21_000n)
  })
})

/** The same signature with s' = n - s and v flipped: valid for plain ecrecover, refused by EIP-2. */
function malleableTwin(signature: Hex): Hex {
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
  const r = signature.slice(2, 66)
  const s = BigInt(`0x${signature.slice(66, 130)}`)
  const v = Number.parseInt(signature.slice(130, 132), 16)
  return `0x${r}${(n - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}`
}
