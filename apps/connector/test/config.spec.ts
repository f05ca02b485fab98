import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { applyEnvOverrides, InvalidEnvOverrideError } from '../src/config-env.js'
import { parseConfigText, readConfigFile, validateConfig } from '../src/config.js'
import { issues } from './config-issues.js'

const minimal = () => ({
  address: 'test.a',
  asset: { code: 'USD', scale: 2 },
  listen: { btp: { port: 0 } },
  peers: [{ id: 'bob', relation: 'child', btp: { token: 'secret' } }],
})


describe('validateConfig', () => {
  it('fills in defaults for a minimal configuration', () => {
    const config = validateConfig(minimal())
    expect(config).toMatchObject({
      address: 'test.a',
      listen: { btp: { host: '127.0.0.1', port: 0 } },
      rates: { kind: 'static', table: {} },
      spread: '0',
      packets: { minMessageWindowMs: 1_000, maxHoldTimeMs: 30_000 },
      ccp: { broadcastIntervalMs: 30_000, holdDownTimeMs: 45_000, advertise: 'valley-free' },
      log: { level: 'info' },
      routes: [],
    })
    expect(config.peers[0]).toEqual({ id: 'bob', relation: 'child', asset: { code: 'USD', scale: 2 }, transport: { kind: 'btp-server', token: 'secret' } })
  })

  it('reads amounts as bigints, from strings of digits or safe integers', () => {
    const config = validateConfig({
      ...minimal(),
      peers: [{ id: 'bob', relation: 'peer', btp: { url: 'btp+ws://a:b@127.0.0.1:1' }, maxPacketAmount: '18446744073709551615', minBalance: -500, settleThreshold: '100', settleTo: '10', rateLimit: { packetsPerSecond: 10, valuePerSecond: '1000' }, settlement: { kind: 'trusted-transfer' } }],
    })
    expect(config.peers[0]).toMatchObject({ maxPacketAmount: 18446744073709551615n, minBalance: -500n, settleThreshold: 100n, settleTo: 10n, rateLimit: { packetsPerSecond: 10, valuePerSecond: 1000n } })
  })

  it('names the path of every bad field, all at once', () => {
    const found = issues({
      address: 'not an address',
      asset: { code: 'USD', scale: 300 },
      listen: { btp: { port: 70_000 } },
      peers: [
        { id: 'bob', relation: 'friend', btp: { token: 'x' } },
        { id: 'carol', relation: 'peer', btp: { url: 'http://nope' } },
        { id: 'bob', relation: 'peer', http: { url: 'http://127.0.0.1/ilp', token: 't' } },
        { id: 'dave', relation: 'peer', btp: { token: 'x' }, maxPacketAmount: '1.5', settleThreshold: '10', settleTo: '20' },
      ],
      routes: [{ prefix: 'test.x', peer: 'nobody' }],
      rates: { static: { USD: '1', EUR: 'lots' } },
      spread: '1.5',
      ccp: { advertise: 'everywhere' },
      log: { level: 'loud' },
      typo: true,
    })
    expect(found).toEqual(expect.arrayContaining([
      expect.stringMatching(/^address: "not an address" is not a valid ILP address/),
      expect.stringMatching(/^asset\.scale: must be an integer from 0 to 255, got number 300/),
      expect.stringMatching(/^listen\.btp\.port: must be an integer from 0 to 65535/),
      expect.stringMatching(/^peers\[0\]\.relation: must be one of parent, peer, child, got string "friend"/),
      expect.stringMatching(/^peers\[1\]\.btp\.url: "http:\/\/nope" is not a btp\+ws:\/\//),
      expect.stringMatching(/^peers\[2\]\.http\.incomingToken: must be a non-empty string, got nothing/),
      expect.stringMatching(/^peers\[3\]\.maxPacketAmount: must be an integer amount/),
      expect.stringMatching(/^peers\[3\]\.settleTo: must be below settleThreshold \(10\)/),
      expect.stringMatching(/^routes\[0\]\.peer: no peer has id "nobody"/),
      expect.stringMatching(/^rates\.static\.EUR: must be a decimal number/),
      expect.stringMatching(/^spread: must be ≥ 0 and < 1, got 1\.5/),
      expect.stringMatching(/^ccp\.advertise: must be one of valley-free, ilp-connector/),
      expect.stringMatching(/^log\.level: must be one of/),
      expect.stringMatching(/^typo: unknown field/),
    ]))
  })

  it('refuses a peer with both or neither transport, and a btp entry with both token and url', () => {
    expect(issues({ ...minimal(), peers: [{ id: 'x', relation: 'peer' }] })).toEqual(['peers[0]: needs exactly one of btp or http'])
    expect(issues({ ...minimal(), peers: [{ id: 'x', relation: 'peer', btp: { token: 'a', url: 'btp+ws://h:1' } }] })).toEqual([
      'peers[0].btp: needs exactly one of token (the peer dials us) or url (we dial the peer)',
    ])
  })

  it('needs a listener for peers that dial us', () => {
    expect(issues({ ...minimal(), listen: {}, peers: [{ id: 'x', relation: 'peer', http: { url: 'http://127.0.0.1:1/ilp', token: 'a', incomingToken: 'b' } }, { id: 'y', relation: 'child', btp: { token: 'c' } }] })).toEqual([
      'peers[0].http: needs listen.http: the peer POSTs to our HTTP listener',
      'peers[1].btp.token: needs listen.btp: the peer dials our BTP listener',
    ])
  })

  it('refuses duplicate peer ids and ids that cannot be an address segment', () => {
    const found = issues({ ...minimal(), peers: [{ id: 'a.b', relation: 'child', btp: { token: 'x' } }, { id: 'a.b', relation: 'child', btp: { token: 'y' } }] })
    expect(found).toContain('peers[0].id: "a.b" may contain only letters, digits, _ ~ and -')
    expect(found).toContain('peers[1].id: duplicate peer id "a.b"')
  })

  it('needs an address, or exactly one parent to ask for it by ILDCP', () => {
    const noAddress: Partial<ReturnType<typeof minimal>> = minimal()
    delete noAddress.address
    expect(issues(noAddress)).toEqual([expect.stringMatching(/^address: is required unless exactly one peer is a parent/)])
    const config = validateConfig({ ...noAddress, peers: [{ id: 'up', relation: 'parent', btp: { url: 'btp+ws://me:t@127.0.0.1:9' } }] })
    expect(config.address).toBeUndefined()
    expect(config.parent).toBe('up')
  })

  it('takes exactly one rate source', () => {
    expect(issues({ ...minimal(), rates: { static: {}, file: 'x.json' } })).toEqual(['rates: needs exactly one of static, file or url (got static, file)'])
    expect(validateConfig({ ...minimal(), rates: { url: 'https://rates.example/r.json', pollIntervalMs: 5000 } }).rates).toEqual({ kind: 'url', url: 'https://rates.example/r.json', pollIntervalMs: 5000 })
  })

  it('keeps balances in SQLite beside the configuration file by default, in memory for a document built in code', () => {
    expect(validateConfig(minimal()).balances).toEqual({ store: 'memory' })
    expect(validateConfig(minimal(), { configDir: '/etc/stack' }).balances).toEqual({ store: 'sqlite', path: '/etc/stack/balances.db', synchronous: 'normal' })
    expect(validateConfig({ ...minimal(), balances: { store: 'sqlite', path: 'data/b.db', synchronous: 'full' } }, { configDir: '/etc/stack' }).balances)
      .toEqual({ store: 'sqlite', path: '/etc/stack/data/b.db', synchronous: 'full' })
    expect(validateConfig({ ...minimal(), balances: { path: '/var/lib/b.db' } }, { configDir: '/etc/stack' }).balances)
      .toEqual({ store: 'sqlite', path: '/var/lib/b.db', synchronous: 'normal' })
    expect(validateConfig({ ...minimal(), balances: { store: 'memory' } }, { configDir: '/etc/stack' }).balances).toEqual({ store: 'memory' })
  })

  it('names a wrong balances section', () => {
    expect(issues({ ...minimal(), balances: { store: 'mysql' } })).toEqual(['balances.store: must be one of sqlite, memory, postgres, redis, got string "mysql"'])
    expect(issues({ ...minimal(), balances: { store: 'memory', path: 'b.db' } })).toEqual(['balances.path: is only for store: sqlite'])
    expect(issues({ ...minimal(), balances: { path: ':memory:' } })).toEqual(['balances.path: must be a file path, got ":memory:" (use store: memory)'])
    expect(issues({ ...minimal(), balances: { synchronous: 'off' } })).toEqual(['balances.synchronous: must be one of normal, full, got string "off"'])
  })

  it('takes a shared store at a URL (postgres, redis), and names a wrong one', () => {
    expect(validateConfig({ ...minimal(), balances: { store: 'postgres', url: 'postgres://app@db:5432/ilp' } }).balances).toEqual({ store: 'postgres', url: 'postgres://app@db:5432/ilp' })
    expect(validateConfig({ ...minimal(), balances: { store: 'redis', url: 'redis://127.0.0.1:6379' } }, { configDir: '/etc/stack' }).balances).toEqual({ store: 'redis', url: 'redis://127.0.0.1:6379' })
    expect(issues({ ...minimal(), balances: { store: 'redis' } })).toEqual(['balances.url: is required for store: redis (e.g. redis://host:6379)'])
    expect(issues({ ...minimal(), balances: { store: 'postgres', url: 'redis://x:1' } })).toEqual(['balances.url: must be a postgres:// or postgresql:// URL, got "redis://x:1"'])
    expect(issues({ ...minimal(), balances: { store: 'redis', url: 'redis://x:1', path: 'b.db' } })).toEqual(['balances.path: is only for store: sqlite'])
    expect(issues({ ...minimal(), balances: { url: 'redis://x:1' } })).toEqual(['balances.url: is only for store: postgres or redis'])
  })

  it('says which document is not YAML or JSON', () => {
    expect(() => parseConfigText('{ "a": ', 'json')).toThrow(/\(root\): not valid JSON/)
    expect(() => parseConfigText('a: [1, 2', 'yaml')).toThrow(/\(root\): not valid YAML/)
  })

  it('reads the example configuration of the README', async () => {
    const path = fileURLToPath(new URL('../connector.example.yaml', import.meta.url))
    const config = validateConfig(await readConfigFile(path), { configDir: join(path, '..') })
    expect(config.peers.map((p) => `${p.id}:${p.transport.kind}`)).toEqual(['bob:btp-server', 'erin:btp-server', 'carol:btp-client', 'dave:http'])
    expect(config.balances).toEqual({ store: 'sqlite', path: join(path, '../balances.db'), synchronous: 'normal' })
  })

  it('reads JSON files by extension', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stack-connector-'))
    const path = join(dir, 'connector.json')
    await writeFile(path, JSON.stringify(minimal()))
    expect(validateConfig(await readConfigFile(path)).address).toBe('test.a')
  })
})

describe('applyEnvOverrides', () => {
  it('sets nested fields, creating sections, with camelCase from SNAKE_CASE', () => {
    const raw = applyEnvOverrides(minimal(), {
      STACK_CONNECTOR__ADMIN__PORT: '9100',
      STACK_CONNECTOR__PACKETS__MAX_HOLD_TIME_MS: '5000',
      STACK_CONNECTOR__LOG__LEVEL: 'debug',
      OTHER: 'ignored',
    })
    const config = validateConfig(raw)
    expect(config.admin).toEqual({ host: '127.0.0.1', port: 9100 })
    expect(config.packets.maxHoldTimeMs).toBe(5000)
    expect(config.log.level).toBe('debug')
  })

  it('addresses list elements by index or by id, and keeps long digit strings as strings', () => {
    const raw = applyEnvOverrides(minimal(), {
      STACK_CONNECTOR__PEERS__BOB__BTP__TOKEN: 'from-env',
      STACK_CONNECTOR__PEERS__0__MAX_PACKET_AMOUNT: '18446744073709551615',
      STACK_CONNECTOR__RATES: '{"static":{"USD":"1"}}',
    })
    const config = validateConfig(raw)
    expect(config.peers[0]).toMatchObject({ transport: { kind: 'btp-server', token: 'from-env' }, maxPacketAmount: 18446744073709551615n })
    expect(config.rates).toEqual({ kind: 'static', table: { USD: '1' } })
  })

  it('matches existing keys case-insensitively and leaves the input untouched', () => {
    const input = minimal()
    const raw = applyEnvOverrides(input, { STACK_CONNECTOR__LISTEN__BTP__PORT: '7000' }) as ReturnType<typeof minimal>
    expect(raw.listen.btp.port).toBe(7000)
    expect(input.listen.btp.port).toBe(0)
  })

  it('refuses a list element that does not exist', () => {
    expect(() => applyEnvOverrides(minimal(), { STACK_CONNECTOR__PEERS__CAROL__BTP__TOKEN: 'x' })).toThrow(InvalidEnvOverrideError)
  })

  it('reports a bad overridden value at its path', () => {
    expect(issues(applyEnvOverrides(minimal(), { STACK_CONNECTOR__ADMIN__PORT: 'abc' }))).toEqual(['admin.port: must be an integer from 0 to 65535, got string "abc"'])
  })
})
