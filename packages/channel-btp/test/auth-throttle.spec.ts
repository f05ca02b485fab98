import { afterEach, describe, expect, it } from 'vitest'
import { AuthThrottle } from '../src/auth-throttle.js'
import { BtpAuthError, BtpClient, BtpServer, BtpType } from '../src/index.js'
import type { BtpLogger } from '../src/index.js'
import { RawClient } from './fixtures/raw-client.js'

describe('AuthThrottle (sans I/O)', () => {
  it('answers the first failures at once, then doubles the hold up to the cap', () => {
    const throttle = new AuthThrottle({ freeFailures: 2, baseDelayMs: 100, maxDelayMs: 500 })
    expect(Array.from({ length: 7 }, () => throttle.failed('a', 0))).toEqual([0, 0, 100, 200, 400, 500, 500])
    expect(throttle.failed('b', 0)).toBe(0)
  })

  it('forgets an address after a quiet spell', () => {
    const throttle = new AuthThrottle({ freeFailures: 0, baseDelayMs: 100, forgetAfterMs: 1_000 })
    expect([throttle.failed('a', 0), throttle.failed('a', 1_000)]).toEqual([100, 200])
    expect(throttle.failed('a', 2_001)).toBe(100)
  })

  it('admits a bounded number of connections per address awaiting their verdict', () => {
    const throttle = new AuthThrottle({ maxPendingPerAddress: 2 })
    expect([throttle.admit('a', 0), throttle.admit('a', 0), throttle.admit('a', 0), throttle.admit('b', 0)]).toEqual([true, true, false, true])
    throttle.release('a')
    expect(throttle.admit('a', 0)).toBe(true)
  })
})

type Outcome = 'accepted' | 'refused' | 'throttled'

function recordingLogger(): BtpLogger & { lines: { message: string; context: Record<string, unknown> }[] } {
  const lines: { message: string; context: Record<string, unknown> }[] = []
  return { lines, warn: (message, context = {}) => lines.push({ message, context }), info: (message, context = {}) => lines.push({ message, context }) }
}

let server: BtpServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** One login from `localAddress`: accepted (RESPONSE), refused (ERROR then close) or throttled (closed 1013, unread). */
async function login(port: number, localAddress: string, username: string, token: string): Promise<Outcome> {
  const client = await RawClient.open(port, localAddress)
  client.auth(username, token)
  const code = await Promise.race([client.closed, client.frame(1).then(() => undefined)])
  if (code === 1013 && client.frames.length === 0) return 'throttled'
  const frame = await client.frame(1)
  client.close()
  await client.closed
  if (frame.type === BtpType.Response) return 'accepted'
  if (frame.type === BtpType.Error && frame.code === 'F00') return 'refused'
  throw new Error(`unexpected answer ${JSON.stringify(frame)}`)
}

const count = (outcomes: Outcome[]) => ({
  accepted: outcomes.filter((o) => o === 'accepted').length,
  refused: outcomes.filter((o) => o === 'refused').length,
  throttled: outcomes.filter((o) => o === 'throttled').length,
})

describe('BTP server: failed authentication is throttled per remote address', () => {
  it('refuses or turns away a burst of wrong tokens from one address, while valid logins from others get in', async () => {
    const logger = recordingLogger()
    server = new BtpServer({ accounts: { alice: 'alice-secret', bob: 'bob-secret' }, logger, authThrottle: { maxDelayMs: 200 } })
    const port = await server.listen()
    const wrong = Array.from({ length: 100 }, (_, i) => login(port, '127.0.0.2', 'alice', `wrong-token-${i}`))
    const valid = Array.from({ length: 20 }, (_, i) => login(port, `127.0.0.${3 + (i % 5)}`, i % 2 === 0 ? 'alice' : 'bob', i % 2 === 0 ? 'alice-secret' : 'bob-secret'))
    const [burst, others] = await Promise.all([Promise.all(wrong), Promise.all(valid)])

    const outcome = count(burst)
    expect(outcome.accepted).toBe(0)
    expect(outcome.refused).toBeGreaterThan(0)
    // More wrong tokens at once than the address may have awaiting a verdict: the rest were not read.
    expect(outcome.throttled).toBeGreaterThan(0)
    expect(outcome.refused + outcome.throttled).toBe(100)
    expect(count(others)).toEqual({ accepted: 20, refused: 0, throttled: 0 })

    // After the burst, a valid login from the very address that sent it is taken at once.
    expect(await login(port, '127.0.0.2', 'alice', 'alice-secret')).toBe('accepted')

    // Each refusal is logged with the address and the account tried, never the token.
    const refusals = logger.lines.filter((line) => line.message === 'authentication refused')
    expect(refusals).toHaveLength(outcome.refused)
    for (const { context } of refusals) expect(context).toMatchObject({ remote: '127.0.0.2', account: 'alice' })
    expect(JSON.stringify(logger.lines)).not.toContain('wrong-token')
    expect(JSON.stringify(logger.lines)).not.toContain('secret')
  })

  it('holds a refusal even when the client hangs up: hanging up early buys no earlier attempt', async () => {
    server = new BtpServer({ accounts: { alice: 'alice-secret' }, authThrottle: { freeFailures: 0, baseDelayMs: 60_000, maxPendingPerAddress: 1 } })
    const port = await server.listen()
    const guess = await RawClient.open(port, '127.0.0.2')
    guess.auth('alice', 'wrong')
    guess.close()
    await guess.closed
    // The one place of 127.0.0.2 is held by the refusal it will never read; another address is free.
    expect(await login(port, '127.0.0.2', 'alice', 'alice-secret')).toBe('throttled')
    expect(await login(port, '127.0.0.3', 'alice', 'alice-secret')).toBe('accepted')
  })

  it('tells BtpClient to try again later (not BtpAuthError), and the client gets in once a place is free', async () => {
    server = new BtpServer({ accounts: { alice: 'alice-secret', bob: 'bob-secret' }, authThrottle: { maxPendingPerAddress: 1 } })
    const port = await server.listen()
    const first = await RawClient.open(port) // takes the one place of 127.0.0.1 until it authenticates
    const client = new BtpClient({ url: `btp+ws://alice:alice-secret@127.0.0.1:${port}`, reconnect: false })
    const refused = await client.connect().then(() => undefined, (error: unknown) => error)
    expect(refused).toBeInstanceOf(Error)
    expect(refused).not.toBeInstanceOf(BtpAuthError)
    first.auth('bob', 'bob-secret')
    expect((await first.frame(1)).type).toBe(BtpType.Response) // its verdict frees the place
    await client.connect()
    expect(client.state).toBe('connected')
    await client.close()
    first.close()
  })
})
