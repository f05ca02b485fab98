import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BtpAuthError, BtpClient } from '@stack/channel-btp'
import { IlpPacketType } from '@stack/ilp-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConnectorNode } from '../src/node.js'
import { adminClient } from './admin-api.js'
import { host, intents, node, stopAll, token, type Host } from './harness.js'

const ADMIN_TOKEN = 'admin-token-0123456789abcdef'

// A peer update that cannot apply must leave the peer as it was (its link up, its packets and
// its settlement as before); local-mode accounts and the admin API's peers never share a name.
describe('admin peer updates and local-mode names', () => {
  let a: ConnectorNode
  let sender: Host, receiver: Host
  let dir: string
  const tokens = { sender: token(), receiver: token() }
  const api = adminClient(() => `http://127.0.0.1:${a.ports.admin}`, ADMIN_TOKEN)
  const btpUrl = (id: string, secret: string): string => `btp+ws://${id}:${secret}@127.0.0.1:${a.ports.btp}`
  const book = (peer: string): bigint => a.connector.balances()[peer]?.balance ?? 0n
  const senderEntry = { id: 'sender', relation: 'child', btp: { token: tokens.sender }, minBalance: '-1000' }
  /** Whether a fresh client may log in as `id` with `secret` (closed again either way). */
  const login = async (id: string, secret: string): Promise<'accepted' | 'refused'> => {
    const client = new BtpClient({ url: btpUrl(id, secret), reconnect: false })
    try {
      await client.connect()
      return 'accepted'
    } catch (error) {
      if (error instanceof BtpAuthError) return 'refused'
      throw error
    } finally {
      await client.close()
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'connector-peer-update-'))
    a = await node({
      address: 'test.u',
      asset: { code: 'USD', scale: 2 },
      listen: { btp: { port: 0 } },
      admin: { port: 0, token: ADMIN_TOKEN },
      balances: { store: 'memory' },
      local: { minBalance: '-1000' },
      peers: [senderEntry, { id: 'receiver', relation: 'child', btp: { token: tokens.receiver } }],
    })
    const shared = intents()
    sender = await host(btpUrl('sender', tokens.sender), shared)
    receiver = await host(btpUrl('receiver', tokens.receiver), shared)
    await a.whenConnected(5_000)
  })

  afterAll(async () => {
    await stopAll(sender, receiver, a)
    rmSync(dir, { recursive: true, force: true })
  })

  it('PUT /peers/<id> whose settlement cannot start: 422, and the old link, limits and TRANSFER refusal stay in force', async () => {
    const failing = {
      ...senderEntry,
      maxPacketAmount: '10',
      settlement: { kind: 'sqlite', ledger: join(dir, 'no-such.ledger'), account: 'u', peerAccount: 'sender', claims: join(dir, 'sender.claims') },
    }
    const refused = await api('PUT', '/peers/sender', { body: failing })
    expect(refused.status).toBe(422)
    expect(refused.body.error).toMatch(/^peer sender: its new link or settlement could not start \(LedgerFileError: .*no-such\.ledger.*does not exist\)$/)
    // One that fails validation changes nothing either.
    expect((await api('PUT', '/peers/sender', { body: { ...senderEntry, maxPacketAmount: 'lots' } })).status).toBe(400)

    // The old entry is in force: the link never dropped, no packet limit of 10, no settlement.
    expect(sender.link.state).toBe('connected')
    expect((await api('GET', '/peers')).body).toContainEqual(expect.objectContaining({ id: 'sender', state: 'connected' }))
    expect((await sender.pay('test.u.receiver', 100n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
    expect([book('sender'), book('receiver'), ...receiver.delivered]).toEqual([-100n, 100n, 100n])
    await expect((sender.link as BtpClient).sendValue(5n)).rejects.toThrow()
    expect(a.settlements.unprovenTransfers().get('sender')).toMatchObject({ refused: 1, refusedAmount: 5n })
    expect(book('sender')).toBe(-100n)
  })

  it('PUT /peers/<id> with a new token: the connected client keeps its link; the next login needs the new token', async () => {
    const renewed = token()
    expect((await api('PUT', '/peers/sender', { body: { ...senderEntry, btp: { token: renewed } } })).status).toBe(200)
    expect((await sender.pay('test.u.receiver', 50n, 'fulfill')).type).toBe(IlpPacketType.Fulfill)
    expect([book('sender'), book('receiver')]).toEqual([-150n, 150n])
    expect(await login('sender', tokens.sender)).toBe('refused')
    // Not a local account either: a peer's name is never local.
    expect(a.peers().filter((p) => p.id === 'sender')).toHaveLength(1)
    expect(await login('sender', renewed)).toBe('accepted')
  })

  it('a local account\'s name is refused to POST /peers (409); an admin-added peer\'s name, even removed, is never local', async () => {
    expect(await login('zed', 'zed-secret')).toBe('accepted')
    const taken = await api('POST', '/peers', { body: { id: 'zed', relation: 'child', btp: { token: token() } } })
    expect(taken).toMatchObject({ status: 409, body: { error: 'peer zed is a local-mode account (a local client logged in with that name): choose another id' } })

    const yanToken = token()
    expect((await api('POST', '/peers', { body: { id: 'yan', relation: 'child', btp: { token: yanToken } } })).status).toBe(201)
    // A wrong token is refused, not given a local account named yan (which would be yan's link).
    expect(await login('yan', 'not-yans-token')).toBe('refused')
    expect(await login('yan', yanToken)).toBe('accepted')
    // A new peer whose settlement cannot start is not added, and may be added again, working.
    const xiToken = token()
    const failing = { id: 'xi', relation: 'child', btp: { token: xiToken }, settlement: { kind: 'sqlite', ledger: join(dir, 'none.ledger'), account: 'u', peerAccount: 'xi', claims: join(dir, 'xi.claims') } }
    expect((await api('POST', '/peers', { body: failing })).status).toBe(422)
    expect(a.peers().map((p) => p.id)).not.toContain('xi')
    expect((await api('POST', '/peers', { body: { id: 'xi', relation: 'child', btp: { token: xiToken } } })).status).toBe(201)
    expect(await login('xi', 'not-xis-token')).toBe('refused')
    expect(await login('xi', xiToken)).toBe('accepted')
    expect((await api('DELETE', '/peers/xi')).status).toBe(200)

    expect((await api('DELETE', '/peers/yan')).status).toBe(200)
    expect(await login('yan', 'anything')).toBe('refused')
    expect(a.peers().map((p) => p.id).sort()).toEqual(['receiver', 'sender', 'zed'])
  })
})
