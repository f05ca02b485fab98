import { channelTests, linkTests } from '@stack/channel-core/compliance'
import { describe, expect, it } from 'vitest'
import type { BtpClient, BtpServer } from '../src/index.js'
import { btpPair } from './fixtures/btp-pair.js'

const servers = new WeakMap<object, BtpServer>()
const clientsOf = new WeakMap<object, BtpClient>()

describe('BTP client ↔ server account', () => {
  linkTests({
    async setup() {
      const { server, client } = await btpPair()
      const pair = { a: client, b: server.link('alice') }
      servers.set(pair, server)
      return pair
    },
    async teardown(pair) {
      await pair.a.close()
      await servers.get(pair)?.close()
    }
  })
})

describe('BTP server account ↔ client (the server side asks)', () => {
  linkTests({
    concurrency: 500,
    async setup() {
      const { server, client } = await btpPair()
      const pair = { a: server.link('alice'), b: client }
      servers.set(pair, server)
      return pair
    },
    async teardown(pair) {
      await pair.b.close()
      await servers.get(pair)?.close()
    }
  })
})

describe('BTP TRANSFER as a Channel', () => {
  channelTests({
    async setup() {
      const { server, client } = await btpPair()
      const pair = { a: client, b: server.link('alice') }
      servers.set(pair, server)
      clientsOf.set(pair, client)
      return pair
    },
    async teardown(pair) {
      await clientsOf.get(pair)?.close()
      await servers.get(pair)?.close()
    }
  })

  it('carries the claim bytes as the proof of the value', async () => {
    const { server, client } = await btpPair()
    const proofs: string[] = []
    server.link('alice').setValueHandler(({ proof }) => {
      proofs.push(new TextDecoder().decode(proof))
    })
    await client.sendValue(10n, { proof: new TextEncoder().encode('signed claim') })
    await client.sendValue(1n)
    expect(proofs).toEqual(['signed claim', ''])
    await client.close()
    await server.close()
  })
})
