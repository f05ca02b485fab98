import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { IlpPacketType } from '@stack/ilp-core'
import { SqliteLedger } from '@stack/ledger-sqlite'
import { A11Y_PROBLEMS, chromiumPath, openBrowser, TABLE_OVERFLOWS } from '@stack/browser-check'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DASHBOARD_CSP } from '../src/dashboard/serve.js'
import type { ConnectorNode } from '../src/node.js'
import { buildBin, killBins, startBin, type RunningBin } from './bin.js'
import { FAST_CCP, host, intents, node, stopAll, token, waitFor, type Host } from './harness.js'

const USD2 = { code: 'USD', scale: 2 }
const MINTED = 1_000_000n
const ADMIN_TOKEN = 'dashboard-token-0123456789abcdef'
// sender — A —BTP— B — receiver, A (the built bin, in its own process) paying B with claims on
// one embedded ledger file (as admin-settle.spec.ts), watched by headless Chromium on A's /dashboard.
describe('the dashboard in a real browser: a payment seen live, a reject\'s code, settle now and adjust balance, the token refused', () => {
  let dir: string | undefined
  let screenshots: string
  let ledgerFile: string
  let a: RunningBin | undefined
  let b: ConnectorNode | undefined
  let sender: Host | undefined
  let receiver: Host | undefined
  let context: BrowserContext | undefined
  let page: Page
  let consoleErrors: string[] = []
  const url = (path: string): string => `http://127.0.0.1:${a?.ports.admin}${path}`
  const shot = (name: string) => page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true })
  const balanceCell = (peer: string) => page.locator(`#peers tr[data-peer="${peer}"] td.balance`)
  /** A's book of `peer`, read through its admin API (A is a process). */
  const aBook = async (peer: string): Promise<bigint> => {
    const body = (await (await fetch(url('/balances'), { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as Record<string, { balance: string } | undefined>
    return BigInt(body[peer]?.balance ?? 0)
  }

  beforeAll(async () => {
    chromiumPath() // first: without a browser, nothing is started
    buildBin()
    dir = mkdtempSync(join(tmpdir(), 'connector-dashboard-'))
    // Kept after the run (the rest of the temporary files go): what the page showed, to look at.
    screenshots = mkdtempSync(join(tmpdir(), 'connector-dashboard-screenshots-'))
    ledgerFile = join(dir, 'usd.ledger')
    const ledger = SqliteLedger.create(ledgerFile, { asset: USD2 })
    await ledger.createAccount('conn-a')
    await ledger.createAccount('conn-b')
    await ledger.mint({ account: 'conn-a', amount: MINTED })
    ledger.close()
    const tokens = { sender: token(), b: token(), receiver: token() }
    // A is the built bin, as an operator runs it: the dashboard is served from the package's files.
    a = await startBin(join(dir, 'a.json'), {
      address: 'test.a',
      asset: USD2,
      listen: { btp: { port: 0 } },
      admin: { port: 0, token: ADMIN_TOKEN },
      peers: [
        { id: 'sender', relation: 'child', btp: { token: tokens.sender }, minBalance: '-100000' },
        {
          id: 'b', relation: 'peer', btp: { token: tokens.b }, settleThreshold: '100000', settleTo: '0',
          settlement: { kind: 'sqlite', ledger: ledgerFile, account: 'conn-a', peerAccount: 'conn-b', claims: join(dir, 'a.claims'), deposit: '100000', settleDelayMs: 86_400_000, watchIntervalMs: 50 },
        },
      ],
      balances: { store: 'memory' },
      ccp: FAST_CCP,
      packets: { minMessageWindowMs: 200, maxHoldTimeMs: 10_000 },
    })
    b = await node({
      address: 'test.b',
      asset: USD2,
      listen: { btp: { port: 0 } },
      peers: [
        {
          id: 'a', relation: 'peer', btp: { url: `btp+ws://b:${tokens.b}@127.0.0.1:${a.ports.btp}` },
          settlement: { kind: 'sqlite', ledger: ledgerFile, account: 'conn-b', peerAccount: 'conn-a', claims: join(dir, 'b.claims'), watchIntervalMs: 50, idleRedeemMs: 200 },
        },
        { id: 'receiver', relation: 'child', btp: { token: tokens.receiver } },
      ],
    })
    await b.whenConnected(5_000, ['a'])
    const shared = intents()
    sender = await host(`btp+ws://sender:${tokens.sender}@127.0.0.1:${a.ports.btp}`, shared)
    receiver = await host(`btp+ws://receiver:${tokens.receiver}@127.0.0.1:${b.ports.btp}`, shared)
    await waitFor(() => b?.ccp.inSync() === true, 5_000, 'B in sync with A')
    const aRoutes = async (): Promise<string[]> => ((await (await fetch(url('/routes'), { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { prefix: string }[]).map((route) => route.prefix)
    for (let tries = 0; !(await aRoutes()).includes('test.b'); tries++) {
      if (tries === 200) throw new Error('A did not learn the route to test.b')
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    ;({ context, page, errors: consoleErrors } = await openBrowser(join(dir, 'profile')))
  })

  afterAll(async () => {
    await context?.close()
    a?.child.kill('SIGTERM')
    await a?.exited
    killBins()
    await stopAll(sender, receiver, b)
    if (dir === undefined) return // chromium was not found: nothing started
    rmSync(dir, { recursive: true, force: true })
    console.info(`dashboard screenshots: ${screenshots}`)
  })

  it('serves the page without the token, with its Content-Security-Policy; the API still needs the token', async () => {
    const res = await fetch(url('/dashboard'))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(res.headers.get('content-security-policy')).toBe(DASHBOARD_CSP)
    expect(await res.text()).toContain('<script type="module" src="/dashboard/app.js">')
    expect((await fetch(url('/dashboard/app.js'))).headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect((await fetch(url('/dashboard/../src/node.ts'))).status).toBe(404)
    expect((await fetch(url('/dashboard/nothing.js'))).status).toBe(404)
    expect((await fetch(url('/peers'))).status).toBe(401)
  })

  it('is in the packed package (A, the built bin, serves it from there: dist/ finds the package\'s dashboard/)', async () => {
    const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as { files: { path: string }[] }[]
    const paths = packed[0]?.files.map((file) => file.path) ?? []
    expect(paths).toEqual(expect.arrayContaining(['dashboard/index.html', 'dashboard/app.js', 'dashboard/api.js', 'dashboard/dashboard.css', 'dashboard/format.js', 'dashboard/graph.js', 'dashboard/peer-graph.js', 'dashboard/channels.js', 'dashboard/gate.js', 'dashboard/network.html', 'dashboard/network.js', 'dist/dashboard/serve.js']))
  })

  it('shows the refusal page for a wrong token, and nothing of the node', async () => {
    await page.goto(url('/dashboard'))
    await page.getByLabel('Token').fill('not-the-token-0123456789')
    await page.getByRole('button', { name: 'Open the dashboard' }).click()
    await expect.poll(() => page.getByRole('heading', { name: 'Token refused' }).isVisible()).toBe(true)
    expect(await page.locator('#board').isVisible()).toBe(false)
    expect(await page.evaluate('sessionStorage.length')).toBe(0) // a refused token is not kept
    await shot('refused')
    await page.getByRole('button', { name: 'Enter another token' }).click()
    expect(await page.evaluate('document.activeElement.id')).toBe('token') // the keyboard is where the token goes
  })

  it('opens at once, without asking, on a node whose admin API wants no token (loopback without admin.token)', async () => {
    const open = await node({ address: 'test.open', asset: USD2, listen: { btp: { port: 0 } }, admin: { port: 0 }, peers: [{ id: 'x', relation: 'child', btp: { token: token() } }] })
    try {
      await page.goto(`http://127.0.0.1:${open.ports.admin}/dashboard`) // another origin: nothing kept from A's page
      await expect.poll(() => page.locator('#stream').textContent()).toBe('live')
      expect(await page.locator('#login').isVisible()).toBe(false)
      expect(await page.locator('#address').textContent()).toBe('test.open')
      expect(await page.locator('#graph [data-edge="x"]').getAttribute('class')).toBe('edge btp down') // nobody dialled in as x
      expect(await page.locator('#graph [data-edge="x"]').textContent()).toBe('BTP (server)not connected (idle)')
    } finally {
      await open.stop()
    }
    await page.goto(url('/dashboard')) // back to A: its token is asked for again (the refusal cleared it)
  })

  it('with the token: peers, routes, a payment moving both balances, a reject with its code, the list filtered by peer', async () => {
    await page.getByLabel('Token').fill(ADMIN_TOKEN)
    await page.getByLabel('Token').press('Enter')
    await expect.poll(() => page.locator('#stream').textContent()).toBe('live')
    expect(await page.locator('#address').textContent()).toBe('test.a')
    const peerRow = (peer: string) => page.locator(`#peers tr[data-peer="${peer}"] td`).allTextContents()
    expect((await peerRow('b')).slice(0, 7)).toEqual(['b', '0.00 USD', 'settle at 1000.00 USD, to 0.00 USD', 'connected', 'peer', 'BTP (server)', 'sqlite'])
    expect((await peerRow('sender')).slice(0, 7)).toEqual(['sender', '0.00 USD', 'min -1000.00 USD', 'connected', 'child', 'BTP (server)', 'none'])
    const routes = await Promise.all((await page.locator('#routes tbody tr').all()).map((tr) => tr.locator('td').allTextContents()))
    expect(routes).toEqual([
      ['test.a', '(this node)', '—', 'static'],
      ['test.a.sender', 'sender', '—', 'static'],
      ['test.b', 'b', 'test.b', 'learned'], // B's prefix, learned over CCP from b
    ])
    expect(await page.locator('#assets').textContent()).toBe('USD (scale 2)')
    // The graph: A in the middle, its two peers around it, each edge's link kind and state.
    const edge = (peer: string) => page.locator(`#graph [data-edge="${peer}"]`)
    const graphNode = (peer: string) => page.locator(`#graph [data-node="${peer}"]`)
    expect(await graphNode('').textContent()).toBe('test.athis node')
    expect(await edge('b').getAttribute('class')).toBe('edge btp up')
    expect(await edge('b').textContent()).toBe('BTP (server)connected')
    expect(await edge('sender').getAttribute('class')).toBe('edge btp up')
    expect(await graphNode('b').textContent()).toBe('bpeer · settles sqlite0.00 USD')
    expect(await graphNode('sender').textContent()).toBe('senderchild · settles none0.00 USD')
    expect(await page.locator('#graph').getAttribute('aria-label')).toContain('b: peer, BTP (server), connected, settlement sqlite, balance 0.00 USD')
    // The channel: none opened yet (A's deposit goes on the ledger with its first payment to B).
    expect(await page.locator('#channels tbody tr').allTextContents()).toEqual([expect.stringMatching(/^bsqlite—no channel yet/)])

    expect((await sender?.pay('test.b.receiver', 250n, 'fulfill'))?.type).toBe(IlpPacketType.Fulfill)
    await expect.poll(() => balanceCell('b').textContent()).toBe('2.50 USD')
    await expect.poll(() => balanceCell('sender').textContent()).toBe('-2.50 USD')
    // The balances moved on the graph too, and the payment's two edges counted its packet.
    expect(await graphNode('b').textContent()).toBe('bpeer · settles sqlite2.50 USD')
    expect(await graphNode('sender').textContent()).toBe('senderchild · settles none-2.50 USD')
    expect(await edge('b').getAttribute('data-packets')).toBe('1')
    expect(await edge('sender').getAttribute('data-packets')).toBe('1')
    expect(await aBook('b')).toBe(250n)
    expect(await aBook('sender')).toBe(-250n)
    expect(b?.connector.balances().a?.balance).toBe(-250n)
    await expect.poll(() => page.locator('#recent li').first().textContent()).toMatch(/sender → b: 2\.50 USD fulfilled$/)

    expect((await sender?.pay('test.nowhere', 10n, 'fulfill'))?.type).toBe(IlpPacketType.Reject)
    await expect.poll(() => page.locator('#recent li').first().textContent()).toMatch(/sender → \(none\): 0\.10 USD rejected F02$/)
    await expect.poll(() => page.locator('#rejects').textContent()).toBe('F02: 1')
    expect(await page.locator('#pps').textContent()).not.toBe('0.0')
    expect(await aBook('sender')).toBe(-250n) // the reject moved nothing

    await page.getByLabel('Peer', { exact: true }).selectOption('b')
    expect(await page.locator('#recent li').allTextContents()).toEqual([expect.stringMatching(/sender → b: 2\.50 USD fulfilled$/)])
    await page.getByLabel('Peer', { exact: true }).selectOption('')
    expect(await page.locator('#recent li').count()).toBe(2)
    await shot('live-laptop')
    // No column cut off, at a laptop's width or a phone's (a table too wide for its box is stacked),
    // and at a phone's the page itself does not scroll sideways.
    expect(await page.evaluate(TABLE_OVERFLOWS)).toEqual([])
    await page.setViewportSize({ width: 390, height: 844 })
    await expect.poll(() => page.evaluate(TABLE_OVERFLOWS)).toEqual([])
    expect(await page.locator('#peers.stacked').count()).toBe(1)
    await shot('live-phone')
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390)
    await page.setViewportSize({ width: 1280, height: 900 })
    await expect.poll(() => page.evaluate(TABLE_OVERFLOWS)).toEqual([])
  })

  it('is usable from the keyboard, every field labelled, every text at 4.5:1 contrast or more (laptop and phone widths)', async () => {
    expect(await page.evaluate(A11Y_PROBLEMS)).toEqual([])
    await page.setViewportSize({ width: 390, height: 844 })
    expect(await page.evaluate(A11Y_PROBLEMS)).toEqual([])
    await page.setViewportSize({ width: 1280, height: 900 })
    // Tab from the top of the page to the first action, open its dialog, Escape cancels it.
    await page.locator('body').focus()
    let focused = ''
    for (let tabs = 0; tabs < 10 && focused !== 'Settle now with sender'; tabs++) {
      await page.keyboard.press('Tab')
      focused = await page.evaluate<string>("document.activeElement.getAttribute('aria-label') || ''")
    }
    expect(focused).toBe('Settle now with sender')
    // The balance moving while the button has the focus (two adjustments through the API, netting
    // to nothing): the cell changes, the focus stays.
    const adjust = (amount: string) => fetch(url('/balances/sender/adjustments'), { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify({ amount, reason: 'focus check' }) })
    expect((await adjust('100')).status).toBe(200)
    await expect.poll(() => balanceCell('sender').textContent()).toBe('-1.50 USD')
    expect((await adjust('-100')).status).toBe(200)
    await expect.poll(() => balanceCell('sender').textContent()).toBe('-2.50 USD')
    expect(await page.evaluate<string>("document.activeElement.getAttribute('aria-label') || ''")).toBe('Settle now with sender')
    await page.keyboard.press('Enter')
    expect(await page.getByRole('dialog').isVisible()).toBe(true)
    await page.keyboard.press('Escape')
    expect(await page.getByRole('dialog').isVisible()).toBe(false)
    expect(await aBook('sender')).toBe(-250n) // nothing done
  })

  it('settle now and adjust balance, each behind a confirmation; the books on both sides and the ledger agree', async () => {
    await page.getByRole('button', { name: 'Settle now with b' }).click()
    expect(await page.getByRole('dialog').textContent()).toContain('Settle now with b?')
    await page.getByRole('button', { name: 'Cancel' }).click()
    expect(await aBook('b')).toBe(250n) // cancelled: nothing paid

    await page.getByRole('button', { name: 'Settle now with b' }).click()
    await page.getByRole('button', { name: 'Confirm' }).click()
    await expect.poll(() => page.locator('#action-result').textContent()).toBe('Settled 2.50 USD with b; balance now 0.00 USD.')
    await expect.poll(() => balanceCell('b').textContent()).toBe('0.00 USD')
    await expect.poll(() => page.locator('#recent li').first().textContent()).toMatch(/settled to b: 2\.50 USD ok$/)
    await waitFor(() => b?.connector.balances().a?.balance === 0n, 5_000, 'B to credit the claim')
    expect(await aBook('b')).toBe(0n)
    // The channel A opened for it, as the ledger holds it: 1000.00 locked, a claim of 2.50, which
    // B redeems once idle (the page reads the ledger again every few seconds).
    const channelCells = () => page.locator('#channels tbody tr[data-peer="b"] td').allTextContents()
    await expect.poll(async () => (await channelCells()).slice(0, 8), { timeout: 20_000 }).toEqual(['b', 'sqlite', 'ours → peer', expect.any(String), '1000.00 USD', '2.50 USD', '2.50 USD', 'open'])
    const channelId = await page.locator('#channels tbody tr[data-peer="b"]').getAttribute('data-channel')
    const channel = (await (await fetch(url('/peers/b/channel'), { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { outgoing: { channelId: string } }
    expect(channelId).toBe(channel.outgoing.channelId)

    await page.getByRole('button', { name: 'Adjust the balance of sender' }).click()
    await page.getByLabel(/^Amount/).fill('0')
    await page.getByLabel(/^Reason/).fill('nothing')
    await page.getByRole('button', { name: 'Confirm' }).click()
    await expect.poll(() => page.locator('#action-result').textContent()).toBe('Refused (400): adjustment.amount: must not be 0')
    expect(await aBook('sender')).toBe(-250n) // refused: nothing changed

    await page.getByRole('button', { name: 'Adjust the balance of sender' }).click()
    await page.getByRole('button', { name: 'Confirm' }).click() // empty fields: the form refuses, the dialog stays
    expect(await page.getByRole('dialog').isVisible()).toBe(true)
    await page.getByLabel(/^Amount/).fill('100')
    await page.getByLabel(/^Reason/).fill('refund of a test fee')
    await page.getByRole('button', { name: 'Confirm' }).click()
    await expect.poll(() => balanceCell('sender').textContent()).toBe('-1.50 USD')
    // The balance event may come before the POST's answer: wait for the answer too.
    await expect.poll(() => page.locator('#action-result').textContent()).toBe('Adjusted sender by 1.00 USD; balance now -1.50 USD.')
    expect(await aBook('sender')).toBe(-150n)

    const ledger = SqliteLedger.open(ledgerFile)
    try {
      await expect.poll(() => ledger.getBalance('conn-b'), { timeout: 5_000, interval: 50 }).toBe(250n)
      expect(await ledger.getBalance('conn-a')).toBe(MINTED - 100_000n)
      expect(ledger.audit().ok).toBe(true)
    } finally {
      ledger.close()
    }
    expect(receiver?.delivered).toEqual([250n])
    await shot('after-actions')
    expect(consoleErrors).toEqual([]) // no script error, no Content-Security-Policy violation
  })
})
