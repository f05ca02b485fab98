import { afterEach, describe, expect, it } from 'vitest'
import { LinkBusyError, LinkRemoteError } from '@stack/channel-core'
import { BtpAuthError, BtpClient, BtpServer, BtpType, encodeBtpFrame } from '../src/index.js'
import type { BtpLogger } from '../src/index.js'
import { RawClient } from './fixtures/raw-client.js'

const utf8 = (text: string) => new TextEncoder().encode(text)
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

function recordingLogger(): BtpLogger & { warnings: string[] } {
  const warnings: string[] = []
  return { warnings, warn: (message) => warnings.push(message), info() {} }
}

let server: BtpServer | undefined
const clients: { close(): unknown }[] = []

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close()
  await server?.close()
  server = undefined
})

async function start(options: Partial<ConstructorParameters<typeof BtpServer>[0]> = {}): Promise<number> {
  server = new BtpServer({ accounts: { alice: 'secret', bob: 'other' }, ...options })
  return server.listen()
}

async function raw(port: number): Promise<RawClient> {
  const client = await RawClient.open(port)
  clients.push(client)
  return client
}

describe('BTP server authentication', () => {
  it('refuses a wrong token with ERROR F00 and closes the connection', async () => {
    const port = await start()
    const client = await raw(port)
    client.auth('alice', 'wrong', 42)
    const answer = await client.frame(1)
    expect(answer).toMatchObject({ type: BtpType.Error, requestId: 42, code: 'F00', name: 'NotAcceptedError' })
    expect(await client.closed).toBe(1008)
  })

  it('makes the client reject connect with BtpAuthError and not retry', async () => {
    const port = await start()
    const client = new BtpClient({ url: `ws://127.0.0.1:${port}`, username: 'alice', token: 'nope' })
    clients.push(client)
    await expect(client.connect()).rejects.toBeInstanceOf(BtpAuthError)
    expect(client.state).toBe('idle')
  })

  it('refuses a first message that is not auth, with ERROR, and closes', async () => {
    const port = await start()
    const client = await raw(port)
    client.send(encodeBtpFrame({ type: BtpType.Message, requestId: 7, protocolData: [{ protocolName: 'ilp', contentType: 0, data: utf8('x') }] }))
    expect(await client.frame(1)).toMatchObject({ type: BtpType.Error, requestId: 7, code: 'F00' })
    expect(await client.closed).toBe(1008)
  })

  it('refuses an auth message without auth_token, or with a duplicate sub-protocol', async () => {
    const port = await start()
    const a = await raw(port)
    a.send(encodeBtpFrame({ type: BtpType.Message, requestId: 1, protocolData: [{ protocolName: 'auth', contentType: 0, data: new Uint8Array(0) }] }))
    expect(await a.frame(1)).toMatchObject({ type: BtpType.Error, code: 'F01' })
    const b = await raw(port)
    const auth = { protocolName: 'auth', contentType: 0, data: new Uint8Array(0) }
    const token = { protocolName: 'auth_token', contentType: 1, data: utf8('secret') }
    b.send(encodeBtpFrame({ type: BtpType.Message, requestId: 2, protocolData: [auth, token, token] }))
    expect(await b.frame(1)).toMatchObject({ type: BtpType.Error, code: 'F01' })
  })

  it('closes a connection that never authenticates', async () => {
    const port = await start({ authTimeoutMs: 30 })
    const client = await raw(port)
    expect(await client.closed).toBe(1008)
  })

  it('hosts many accounts on one port, each request reaching its own account', async () => {
    const port = await start()
    server?.link('alice').setRequestHandler(() => utf8('alice here'))
    server?.link('bob').setRequestHandler(() => utf8('bob here'))
    const alice = new BtpClient({ url: `btp+ws://alice:secret@127.0.0.1:${port}` })
    const bob = new BtpClient({ url: `btp+ws://bob:other@127.0.0.1:${port}` })
    clients.push(alice, bob)
    await Promise.all([alice.connect(), bob.connect()])
    expect(text(await alice.request(utf8('?')))).toBe('alice here')
    expect(text(await bob.request(utf8('?')))).toBe('bob here')
  })

  it('a closed account refuses logins; asked for again, its link is a new one that a client logs in to (a peer removed, then added back)', async () => {
    const port = await start()
    const first = server?.link('alice')
    first?.setRequestHandler(() => utf8('first'))
    const client = new BtpClient({ url: `btp+ws://alice:secret@127.0.0.1:${port}`, reconnect: false })
    clients.push(client)
    await client.connect()
    await first?.close()
    await expect.poll(() => client.state).toBe('idle')
    const refused = await raw(port)
    refused.auth('alice', 'secret', 5)
    const answer = await refused.frame(1)
    expect(answer).toMatchObject({ type: BtpType.Error, requestId: 5, code: 'F00' })
    expect(text((answer as { data: Uint8Array }).data)).toBe('account is closed')

    const again = server?.link('alice')
    expect(again).not.toBe(first)
    expect(again?.state).toBe('idle')
    expect(server?.link('alice')).toBe(again) // one link per account while it is open
    again?.setRequestHandler(() => utf8('again'))
    const back = new BtpClient({ url: `btp+ws://alice:secret@127.0.0.1:${port}`, reconnect: false })
    clients.push(back)
    await back.connect()
    expect(again?.state).toBe('connected')
    expect(first?.state).toBe('closed')
    expect(text(await back.request(utf8('?')))).toBe('again')
  })

  it('refuses credentials of one account used with another username', async () => {
    const port = await start()
    const client = new BtpClient({ url: `btp+ws://bob:secret@127.0.0.1:${port}`, reconnect: false })
    clients.push(client)
    await expect(client.connect()).rejects.toBeInstanceOf(BtpAuthError)
  })
})

describe('BTP bad input after authentication', () => {
  async function authed(logger = recordingLogger()): Promise<{ client: RawClient; logger: typeof logger }> {
    const port = await start({ logger, limits: { maxFrameBytes: 4096 } })
    server?.link('alice').setRequestHandler((data) => data)
    const client = await raw(port)
    client.auth('alice', 'secret')
    expect(await client.frame(1)).toMatchObject({ type: BtpType.Response, requestId: 1 })
    return { client, logger }
  }

  it('answers a malformed request with ERROR F01 naming the field, logs it, and keeps the connection', async () => {
    const { client, logger } = await authed()
    // A MESSAGE whose protocol data count promises more entries than there are bytes.
    client.send(Uint8Array.from([6, 0, 0, 0, 9, 3, 1, 9, 0]))
    const answer = await client.frame(2)
    expect(answer).toMatchObject({ type: BtpType.Error, requestId: 9, code: 'F01', name: 'InvalidFieldsError' })
    expect(answer.type === BtpType.Error && text(answer.data)).toContain('protocolData.count')
    expect(logger.warnings).toContain('malformed frame')
    client.send(encodeBtpFrame({ type: BtpType.Message, requestId: 10, protocolData: [{ protocolName: 'ilp', contentType: 0, data: utf8('still here') }] }))
    const echo = await client.frame(3)
    expect(echo.type === BtpType.Response && text(echo.protocolData[0]?.data ?? new Uint8Array())).toBe('still here')
  })

  it('answers an oversize request with ERROR F01 and keeps the connection', async () => {
    const { client, logger } = await authed()
    const big = encodeBtpFrame({ type: BtpType.Message, requestId: 11, protocolData: [{ protocolName: 'ilp', contentType: 0, data: new Uint8Array(5000) }] })
    client.send(big)
    expect(await client.frame(2)).toMatchObject({ type: BtpType.Error, requestId: 11, code: 'F01' })
    expect(logger.warnings).toContain('frame too large')
    client.send(encodeBtpFrame({ type: BtpType.Message, requestId: 12, protocolData: [{ protocolName: 'ilp', contentType: 0, data: utf8('ok') }] }))
    expect(await client.frame(3)).toMatchObject({ type: BtpType.Response, requestId: 12 })
  })

  it('ignores and logs a response to no request in flight (RFC 0023 §Flow: no answer to it)', async () => {
    const { client, logger } = await authed()
    client.send(encodeBtpFrame({ type: BtpType.Response, requestId: 999, protocolData: [] }))
    client.send(encodeBtpFrame({ type: BtpType.Message, requestId: 13, protocolData: [{ protocolName: 'ilp', contentType: 0, data: utf8('after') }] }))
    // The next frame is the answer to 13: nothing was sent back for 999.
    expect(await client.frame(2)).toMatchObject({ type: BtpType.Response, requestId: 13 })
    expect(logger.warnings).toContain('response to no request in flight')
    expect(server?.link('alice').stats.unexpectedResponses).toBe(1)
  })

  it('answers a MESSAGE whose primary sub-protocol it does not speak with ERROR F00', async () => {
    const { client } = await authed()
    client.send(encodeBtpFrame({ type: BtpType.Message, requestId: 14, protocolData: [{ protocolName: 'quote', contentType: 2, data: utf8('{}') }] }))
    expect(await client.frame(2)).toMatchObject({ type: BtpType.Error, requestId: 14, code: 'F00' })
  })

  it('ignores garbage without a readable header, and the connection survives', async () => {
    const { client } = await authed()
    client.send(Uint8Array.from([0xff, 1]))
    client.send(encodeBtpFrame({ type: BtpType.Message, requestId: 15, protocolData: [{ protocolName: 'ilp', contentType: 0, data: utf8('x') }] }))
    expect(await client.frame(2)).toMatchObject({ type: BtpType.Response, requestId: 15 })
  })
})

describe('BTP bounds', () => {
  it('rejects requests past maxInFlight with LinkBusyError, without sending them', async () => {
    const port = await start()
    let seen = 0
    server?.link('alice').setRequestHandler(() => {
      seen++
      return new Promise<Uint8Array>(() => undefined)
    })
    const client = new BtpClient({ url: `btp+ws://alice:secret@127.0.0.1:${port}`, limits: { maxInFlight: 3, timeoutMs: 200 } })
    clients.push(client)
    await client.connect()
    const inFlight = [1, 2, 3].map(() => client.request(utf8('x')))
    await expect(client.request(utf8('x'))).rejects.toBeInstanceOf(LinkBusyError)
    await Promise.allSettled(inFlight)
    expect(seen).toBe(3)
  })

  it('answers peer requests past maxIncoming with ERROR T00 at once', async () => {
    const port = await start({ limits: { maxIncoming: 2 } })
    const release: (() => void)[] = []
    server?.link('alice').setRequestHandler((data) => new Promise<Uint8Array>((resolve) => release.push(() => resolve(data))))
    const client = new BtpClient({ url: `btp+ws://alice:secret@127.0.0.1:${port}` })
    clients.push(client)
    await client.connect()
    const first = client.request(utf8('1'))
    const second = client.request(utf8('2'))
    const third = client.request(utf8('3'))
    const error = await third.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LinkRemoteError)
    expect((error as LinkRemoteError).code).toBe('T00')
    for (const wake of release) wake()
    expect(text(await first)).toBe('1')
    expect(text(await second)).toBe('2')
  })
})
