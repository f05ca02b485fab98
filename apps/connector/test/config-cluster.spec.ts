import { describe, expect, it } from 'vitest'
import { applyEnvOverrides } from '../src/config-env.js'
import { validateConfig } from '../src/config.js'
import { issues } from './config-issues.js'

/** Two instances, a BTP peer attached to a, an HTTP peer both reach. */
const cluster = (patch: Record<string, unknown> = {}, root: Record<string, unknown> = {}) => ({
  address: 'test.node',
  asset: { code: 'USD', scale: 2 },
  listen: { btp: { port: 0 }, http: { port: 0 } },
  balances: { store: 'memory' },
  peers: [
    { id: 'bob', relation: 'peer', btp: { token: 'secret' } },
    { id: 'alice', relation: 'child', http: { url: 'http://127.0.0.1:9/ilp', token: 't', incomingToken: 'u' } },
  ],
  cluster: {
    instance: 'a',
    token: 'cluster-secret-0123456789',
    instances: { a: 'http://127.0.0.1:7201', b: 'http://127.0.0.1:7202' },
    attach: { bob: 'a' },
    ...patch,
  },
  ...root,
})


describe('cluster configuration', () => {
  it('reads a cluster on a shared store', () => {
    const config = validateConfig(cluster({ settleIntervalMs: 500 }, { balances: { store: 'postgres', url: 'postgres://u@127.0.0.1:5432/db' } }))
    expect(config.cluster).toEqual({
      instance: 'a',
      token: 'cluster-secret-0123456789',
      instances: { a: 'http://127.0.0.1:7201', b: 'http://127.0.0.1:7202' },
      attach: { bob: 'a' },
      settleIntervalMs: 500,
    })
    // The instance is the one field that differs between the instances' files.
    expect(validateConfig(applyEnvOverrides(cluster({}, { balances: { store: 'redis', url: 'redis://127.0.0.1:6379' } }), { STACK_CONNECTOR__CLUSTER__INSTANCE: 'b' })).cluster?.instance).toBe('b')
  })

  it('asks for a store every instance shares', () => {
    expect(issues(cluster())).toEqual(["balances.store: memory is one process's: a cluster needs a store every instance shares"])
    expect(issues(cluster({}, { balances: { store: 'sqlite', path: '/tmp/x.db' } }))).toEqual([
      "balances.store: sqlite is one process's: a cluster needs a store every instance shares",
    ])
  })

  it('names every bad field of the section, one line each', () => {
    const found = issues(cluster({ instance: 'c', token: 'short', instances: { a: 'http://127.0.0.1:7201', 'b c': 'ftp://x', d: 'http://127.0.0.1:7201' }, attach: { carol: 'a' }, extra: 1 }))
    expect(found).toEqual(expect.arrayContaining([
      'cluster.extra: unknown field (expected one of: instance, instances, token, attach, settleIntervalMs, routesIntervalMs)',
      'cluster.instances.b c: instance id "b c" may contain only letters, digits, _ ~ and -',
      'cluster.instances.b c: "ftp://x" is not http://host:port (the instance\'s internal listener)',
      'cluster.instances.d: http://127.0.0.1:7201 is another instance\'s too',
      'cluster.instance: "c" is not one of cluster.instances (a, b c, d)',
      'cluster.token: must be at least 16 characters',
      'cluster.attach.carol: no peer has id "carol"',
      'cluster.attach: needs BTP peer bob: a BTP peer has one socket, held by one instance',
    ]))
    for (const line of found) expect(line).not.toContain('\n')
  })

  it('asks the rest of the file for what a cluster needs', () => {
    const found = issues({
      ...cluster({ attach: { bob: 'z' } }, { address: undefined, parent: 'bob', local: {} }),
      peers: [
        { id: 'bob', relation: 'parent', btp: { url: 'btp+ws://u:p@127.0.0.1:9' } },
        { id: 'alice', relation: 'peer', http: { url: 'http://127.0.0.1:9/ilp', token: 't', incomingToken: 'u' }, sendRoutes: true },
      ],
      listen: { btp: { port: 7201 }, http: { port: 0 } },
    })
    expect(found).toEqual(expect.arrayContaining([
      'cluster.attach.bob: "z" is not one of cluster.instances',
      'address: is required in a cluster: every instance must have the same one',
      "local: is not for a cluster: its accounts live in one instance's BTP sockets",
      'peers[1].sendRoutes: needs cluster.attach.alice: one instance speaks CCP with an HTTP peer, and the others relay its CCP messages there',
      'cluster.instances.a.port: 7201 is also listen.btp.port: each listener needs its own port',
    ]))
  })

  it('takes an owner for an HTTP peer that speaks CCP, and asks for one', () => {
    const shared = { balances: { store: 'postgres', url: 'postgres://u@127.0.0.1:5432/db' } }
    const peers = (fields: Record<string, unknown>) => [
      { id: 'bob', relation: 'peer', btp: { token: 'secret' } },
      { id: 'alice', relation: 'peer', http: { url: 'http://127.0.0.1:9/ilp', token: 't', incomingToken: 'u' }, ...fields },
    ]
    const owned = validateConfig(cluster({ attach: { bob: 'a', alice: 'b' } }, { ...shared, peers: peers({ sendRoutes: true, receiveRoutes: true }) }))
    expect(owned.cluster?.attach).toEqual({ bob: 'a', alice: 'b' })
    // Without an owner an HTTP peer has static routes only: CCP asked for is an error, each field its line.
    expect(issues(cluster({}, { ...shared, peers: peers({ receiveRoutes: true, sendRoutes: true }) }))).toEqual([
      'peers[1].sendRoutes: needs cluster.attach.alice: one instance speaks CCP with an HTTP peer, and the others relay its CCP messages there',
      'peers[1].receiveRoutes: needs cluster.attach.alice: one instance speaks CCP with an HTTP peer, and the others relay its CCP messages there',
    ])
    expect(validateConfig(cluster({}, { ...shared, peers: peers({ sendRoutes: false }) })).cluster?.attach).toEqual({ bob: 'a' })
    // The owner must be an instance; a settling HTTP peer needs one too.
    expect(issues(cluster({ attach: { bob: 'a', alice: 'z' } }, { ...shared, peers: peers({ sendRoutes: true }) }))).toEqual(['cluster.attach.alice: "z" is not one of cluster.instances'])
    const settling = peers({ settlement: { kind: 'trusted-transfer' }, settleThreshold: '100' })
    expect(issues(cluster({}, { ...shared, peers: settling }))).toEqual([
      "peers[1].settlement: needs cluster.attach.alice: one instance settles an HTTP peer, and the others relay its channel's messages there",
    ])
    expect(validateConfig(cluster({ attach: { bob: 'a', alice: 'a' } }, { ...shared, peers: settling })).peers[1]?.settlement).toEqual({ kind: 'trusted-transfer' })
  })

  it('needs the instances', () => {
    expect(issues(cluster({ instances: undefined }))).toContain('cluster.instances: is required: every instance and the URL of its internal listener')
  })
})
