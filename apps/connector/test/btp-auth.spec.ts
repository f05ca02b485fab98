import { BtpAuthError, BtpClient } from '@stack/channel-btp'
import { afterEach, describe, expect, it } from 'vitest'
import type { ConnectorNode } from '../src/node.js'
import { capturingLogger, node, stopAll, token, waitFor } from './harness.js'

// The node's BTP listener under a burst of wrong tokens for one of its peers' accounts: every
// wrong one is refused or turned away, the logs name the account tried but never a token, and
// the real peer (another node, dialing with its dialer's retries) still gets in.
describe('BTP listener of a node under a burst of wrong tokens', () => {
  let a: ConnectorNode | undefined, b: ConnectorNode | undefined

  afterEach(async () => {
    await stopAll(b, a)
  })

  it('refuses every wrong token, logs the account tried, and lets the real peer in', async () => {
    const secret = token()
    const captured = capturingLogger()
    a = await node({ address: 'test.a', asset: { code: 'USD', scale: 2 }, listen: { btp: { port: 0 } }, peers: [{ id: 'b', relation: 'peer', btp: { token: secret } }] }, captured.logger)
    const url = (t: string) => `btp+ws://b:${t}@127.0.0.1:${a?.ports.btp}`
    const guesses = Array.from({ length: 30 }, (_, i) => {
      const client = new BtpClient({ url: url(`guess-${i}`), reconnect: false })
      return client.connect().then(
        () => 'accepted',
        (error: unknown) => (error instanceof BtpAuthError ? 'refused' : 'throttled'),
      )
    })
    const outcomes = await Promise.all(guesses)
    expect(outcomes.filter((o) => o === 'accepted')).toEqual([])
    expect(outcomes.filter((o) => o === 'throttled').length).toBeGreaterThan(0)

    b = await node({ address: 'test.b', asset: { code: 'USD', scale: 2 }, peers: [{ id: 'a', relation: 'peer', btp: { url: url(secret) } }] })
    await b.whenConnected(15_000)
    await waitFor(() => a?.ccp.routingTable.get('test.b')?.nextHop === 'b', 5_000, 'A to learn test.b')

    const refusals = captured.lines.filter((line) => line.msg === 'authentication refused')
    expect(refusals.length).toBe(outcomes.filter((o) => o === 'refused').length)
    for (const line of refusals) expect(line).toMatchObject({ component: 'btp', account: 'b', remote: '127.0.0.1' })
    const text = JSON.stringify(captured.lines)
    expect(text).not.toContain('guess-')
    expect(text).not.toContain(secret)
  })
})
