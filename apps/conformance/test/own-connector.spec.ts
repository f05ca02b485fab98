import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { conformance, startConnector, startReceiver, table, token, type Receiver, type RunningConnector } from './nodes.js'

// stack-conformance against our own connector (apps/connector, its built bin in its own
// process): every applicable check passes. One run as a child account (BTP, ILDCP, ILPv4,
// SPSP/STREAM through a receiver on a third account) and one as a peer (CCP).

const run = promisify(execFile)

describe('stack-conformance against our connector', () => {
  let node: RunningConnector
  let receiver: Receiver
  const tokens = { conf: token(), second: token(), receiver: token(), peer: token(), web: token() }
  const url = (id: keyof typeof tokens): string => `btp+ws://${id}:${tokens[id]}@127.0.0.1:${node.ports.btp}`

  beforeAll(async () => {
    node = await startConnector({
      address: 'test.stack',
      asset: { code: 'EUR', scale: 6 },
      listen: { btp: { host: '127.0.0.1', port: 0 }, http: { host: '127.0.0.1', port: 0 } },
      admin: { host: '127.0.0.1', port: 0 },
      peers: [
        { id: 'conf', relation: 'child', btp: { token: tokens.conf }, maxPacketAmount: '1000000', minBalance: '-10000000' },
        { id: 'second', relation: 'child', btp: { token: tokens.second } },
        { id: 'receiver', relation: 'child', btp: { token: tokens.receiver } },
        { id: 'peer', relation: 'peer', btp: { token: tokens.peer } },
        // ILP over HTTP: the suite only POSTs, so the node's way back (url) leads nowhere.
        { id: 'web', relation: 'child', http: { url: 'http://127.0.0.1:9/ilp', token: token(), incomingToken: tokens.web }, maxPacketAmount: '1000000' },
      ],
      ccp: { broadcastIntervalMs: 500, holdDownTimeMs: 2_000, minUpdateIntervalMs: 10 },
      packets: { minMessageWindowMs: 1_000, maxHoldTimeMs: 10_000 },
      balances: { store: 'memory' },
      log: { level: 'info' },
      shutdownTimeoutMs: 2_000,
    })
    receiver = await startReceiver(url('receiver'))
  })

  afterAll(async () => {
    await receiver?.close()
    await node?.stop()
  })

  it('as a child account: every MUST and SHOULD that applies passes, exit 0, and the books show exactly the value sent', async () => {
    const { code, results } = await conformance([url('conf'), '--second', url('second'), '--spsp', receiver.spspUrl])
    const failed = results.filter((r) => r.outcome === 'fail')
    expect(failed.map((r) => `${r.id}: ${r.reason}`)).toEqual([])
    expect(code).toBe(0)
    expect(table(results)).toMatchObject({
      'btp.auth-wrong-token': 'pass',
      'ilp.expired-prepare': 'pass',
      'ilp.amount-too-large': 'pass',
      'ildcp.child-config': 'pass',
      'ccp.route-control': 'n/a',
      'stream.money-any-rate': 'pass',
      'stream.money-probed-rate': 'pass',
      'stream.receipts': 'pass',
    })
    // Three payments of 10 units: the receiver got them, the node debited conf and credited receiver by as much.
    expect(receiver.received()).toBe(30n)
    const books = await node.admin<{ peers: Record<string, { balance: string }> } | Record<string, { balance: string }>>('/balances')
    const peers = ('peers' in books ? books.peers : books) as Record<string, { balance: string }>
    expect(BigInt(peers.conf!.balance)).toBe(-30n)
    expect(BigInt(peers.receiver!.balance)).toBe(30n)
    expect(BigInt(peers.second?.balance ?? '0')).toBe(0n)
  })

  it('as a peer account: the CCP checks pass', async () => {
    const { code, results } = await conformance([url('peer'), '--relation', 'peer', '--node-address', 'test.stack', '--second', url('second'), '--only', 'ccp', '--ccp-wait', '5000'])
    expect(results.filter((r) => r.outcome !== 'pass').map((r) => `${r.id}: ${r.reason}`)).toEqual([])
    expect(results).toHaveLength(7)
    expect(code).toBe(0)
  })

  it('over ILP-over-HTTP (RFC 0035): the ILDCP and ILPv4 checks pass, BTP is n/a', async () => {
    const { code, results } = await conformance([`http://127.0.0.1:${node.ports.http}/ilp`, '--token', tokens.web, '--second', url('second'), '--only', 'btp,ildcp,ilpv4'])
    const outcomes = table(results)
    expect(Object.keys(outcomes).filter((id) => outcomes[id] !== 'pass')).toEqual(['btp.auth-wrong-token', 'btp.auth-first', 'btp.auth-duplicate-subprotocol', 'btp.request-id', 'btp.error-answer', 'btp.frame-limit', 'btp.malformed-frame'])
    expect(results.filter((r) => r.group === 'BTP').every((r) => r.outcome === 'n/a')).toBe(true)
    expect(code).toBe(0)
  })

  it('the stack-conformance bin, as its own process, prints the sectioned report and exits 0', async () => {
    const bin = fileURLToPath(new URL('../bin/stack-conformance.js', import.meta.url))
    const { stdout, stderr } = await run(process.execPath, [bin, url('conf'), '--second', url('second'), '--only', 'ilpv4', '--yes'])
    expect(stderr).toContain('ilp.expiry-reduced')
    expect(stderr).not.toContain(tokens.conf) // the plan redacts the token
    expect(stdout.startsWith('MUST\n  ILPv4\n    PASS  ilp.expired-prepare')).toBe(true)
    expect(stdout).toContain('MUST: 6 passed, 0 failed, 0 n/a; SHOULD: 1 passed, 0 failed, 0 n/a')
  })

  it('--max-packets caps the run: what would go over is not sent, says so, and the exit is not 0', async () => {
    let out = ''
    const { conformanceCommand } = await import('../src/index.js')
    const code = await conformanceCommand([url('conf'), '--second', url('second'), '--only', 'ilpv4', '--max-packets', '3', '--yes', '--json'], { out: (t) => (out += t), err: () => undefined })
    const report = JSON.parse(out) as { packets: number; results: { id: string; outcome: string; reason: string }[] }
    expect(report.packets).toBe(3)
    const capped = report.results.filter((r) => r.reason.includes('packet cap reached (--max-packets 3)'))
    expect(capped.length).toBeGreaterThan(0)
    expect(capped.every((r) => r.outcome === 'n/a')).toBe(true)
    expect(code).toBe(1) // a MUST that did not run did not pass
  })

  it('bad command lines are refused with exit 2 and a message, nothing sent', async () => {
    const { conformanceCommand } = await import('../src/index.js')
    for (const [args, message] of [
      [[], 'needs <node-url>'],
      [['ftp://x'], 'must be btp+ws(s):// or http(s)://'],
      [['http://127.0.0.1:1/ilp'], 'needs --token'],
      [[url('conf'), '--relation', 'parent'], '--relation is child or peer'],
      [[url('conf'), '--max-packets', '0'], '--max-packets must be a positive integer'],
      [[url('conf'), '--only', 'nothing'], 'names no check'],
      [[url('conf'), '--bogus'], 'Unknown option'],
    ] as const) {
      let err = ''
      const code = await conformanceCommand([...args], { out: () => undefined, err: (t) => (err += t) })
      expect(code).toBe(2)
      expect(err).toContain(message)
    }
  })

  it('--dry-run prints the plan and sends nothing', async () => {
    let err = ''
    const { conformanceCommand } = await import('../src/index.js')
    const code = await conformanceCommand([url('conf'), '--dry-run'], { out: () => undefined, err: (t) => (err += t) })
    expect(code).toBe(0)
    expect(err).toContain('btp.auth-wrong-token')
    expect(err).toContain('at most 200 packets')
  })
})
