import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import type { Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { claimChannelTests, createCarrierPair, type ClaimChannelHarness } from '@stack/channel-core/compliance'
import { claimTypedData, encodeClaimProof, EthereumChannel, signClaim, SqliteClaimStore, type ClaimStoreScope } from '../src/index.js'
import { Chain } from './fixtures/chain.js'

// The claim-channel contract, Alice → Bob on one in-process chain, each with its own claim store file.
let chain: Chain
let dir: string
let runs = 0
const teardowns = new WeakMap<ClaimChannelHarness, () => Promise<void>>()

beforeAll(async () => {
  chain = await Chain.start()
  dir = mkdtempSync(join(tmpdir(), 'channel-ethereum-compliance-'))
})
afterAll(async () => {
  await chain.stop()
  rmSync(dir, { recursive: true, force: true })
})

claimChannelTests({
  setup: async () => {
    const run = ++runs
    const carriers = createCarrierPair()
    const alice = chain.alice.addressOf('alice')
    const bob = chain.bob.addressOf('bob')
    const scopes: Record<'payer' | 'payee', ClaimStoreScope> = {
      payer: { chainId: chain.alice.chainId, contract: chain.address, account: alice, peer: bob },
      payee: { chainId: chain.bob.chainId, contract: chain.address, account: bob, peer: alice }
    }
    const stores = {
      payer: SqliteClaimStore.open(join(dir, `${run}-alice.claims`), scopes.payer),
      payee: SqliteClaimStore.open(join(dir, `${run}-bob.claims`), scopes.payee)
    }
    const open = {
      payer: () =>
        new EthereumChannel({
          ledger: chain.alice, contract: chain.address, account: 'alice', peerAddress: bob, carrier: carriers[0], store: stores.payer,
          funding: { deposit: 10_000n, timeoutSeconds: 600n }
        }),
      payee: () => new EthereumChannel({ ledger: chain.bob, contract: chain.address, account: 'bob', peerAddress: alice, carrier: carriers[1], store: stores.payee })
    }
    const endpoints = { payer: open.payer(), payee: open.payee() }
    const domain = { chainId: chain.alice.chainId, verifyingContract: chain.address }
    const channelId = (): Hex => (endpoints.payer.summary().outgoing?.channelId ?? `0x${'00'.repeat(32)}`) as Hex
    const harness: ClaimChannelHarness = {
      get payer() {
        return endpoints.payer
      },
      get payee() {
        return endpoints.payee
      },
      deposit: 10_000n,
      carriers,
      async sign(amount, { forged = false } = {}) {
        const signature = forged
          ? await privateKeyToAccount(generatePrivateKey()).signTypedData(claimTypedData(domain, channelId(), amount))
          : await signClaim(chain.alice, 'alice', domain, channelId(), amount)
        return encodeClaimProof({ channelId: channelId(), amount, signature })
      },
      async restart(side) {
        carriers[side === 'payer' ? 0 : 1].setValueHandler(undefined)
        stores[side].close()
        stores[side] = SqliteClaimStore.open(join(dir, `${run}-${side === 'payer' ? 'alice' : 'bob'}.claims`), scopes[side])
        endpoints[side] = open[side]()
      },
      async redeemed() {
        return (await chain.contract.getChannel(channelId()))?.claimed ?? 0n
      }
    }
    teardowns.set(harness, async () => {
      await endpoints.payer.stop()
      await endpoints.payee.stop()
      stores.payer.close()
      stores.payee.close()
    })
    return harness
  },
  teardown: async (harness) => {
    await teardowns.get(harness)?.()
  }
})
