import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { A11Y_PROBLEMS, chromiumPath, openBrowser, TABLE_OVERFLOWS } from '@stack/browser-check'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const demo = fileURLToPath(new URL('..', import.meta.url))

/** `stack-demo --watch` as a person runs it; its output so far, its exit code once it exits. */
function startDemo(): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(demo, 'bin/stack-demo.js'), '--watch'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  return { child, output: () => output, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) }
}

/** Resolves once `output()` shows the dashboards' URLs (the network is up). */
async function untilWatched(output: () => string, child: ChildProcess): Promise<void> {
  for (const deadline = Date.now() + 150_000; !/node B: \S+/.test(output()); ) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`stack-demo --watch printed no URLs:\n${output()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** SIGTERM (the demo closes and stops its connectors), SIGKILL if it has not exited in 20 s. */
async function stopDemo(child: ChildProcess | undefined, exited: Promise<unknown>): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  await exited
  clearTimeout(timer)
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
const EDGES = ['user:A:alice', 'link:A|B', 'user:B:bob'] // alice — A — B — bob

// `stack-demo --watch` as a person runs it (the built bin, its own process; its connectors are
// processes of their own), watched by Debian's headless Chromium on the printed URLs.
describe('stack-demo --watch: every node on one page, the payment\'s path lit, each node\'s own dashboard, up until SIGTERM', () => {
  let dir: string | undefined
  let screenshots: string
  let child: ChildProcess | undefined
  let output = () => ''
  let exited: Promise<number | null>
  let context: BrowserContext | undefined
  let page: Page
  let errors: string[] = []
  const printed = (pattern: RegExp) => pattern.exec(output())?.[1]
  const shot = (name: string) => page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true })

  beforeAll(async () => {
    chromiumPath() // first: without a browser, nothing is started
    // The bin runs dist/: built from this source (the global setup built the connector).
    execFileSync(process.execPath, [join(demo, '../../node_modules/typescript/bin/tsc'), '-b'], { cwd: demo, timeout: 120_000 })
    dir = mkdtempSync(join(tmpdir(), 'demo-watch-'))
    screenshots = mkdtempSync(join(tmpdir(), 'demo-watch-screenshots-'))
    const started = startDemo()
    ;({ child, exited } = started)
    output = started.output
    await untilWatched(output, child)
    ;({ context, page, errors } = await openBrowser(join(dir, 'profile')))
  }, 240_000)

  afterAll(async () => {
    await context?.close()
    await stopDemo(child, exited)
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
    console.info(`demo --watch screenshots: ${screenshots}`)
  })

  it('the watch server refuses a wrong token: the refusal page, nothing of the nodes', async () => {
    const url = printed(/every node at once: (\S+)/) as string
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dashboard\/network\.html#token=[0-9a-f]{32}$/)
    await page.goto(url.replace(/#token=.*/, '#token=not-the-token'))
    await expect.poll(() => page.getByRole('heading', { name: 'Token refused' }).isVisible()).toBe(true)
    expect(await page.locator('#board').isVisible()).toBe(false)
    const base = url.replace(/\/dashboard\/.*$/, '')
    expect((await fetch(`${base}/nodes/A/peers`)).status).toBe(401)
    // With its token, reads only: no write reaches a node through it.
    const auth = { authorization: `Bearer ${/#token=(.*)$/.exec(url)?.[1]}` }
    expect(await (await fetch(`${base}/nodes`, { headers: auth })).json()).toEqual([{ name: 'A' }, { name: 'B' }])
    expect((await fetch(`${base}/nodes/A/peers/b/settle`, { method: 'POST', headers: auth })).status).toBe(405)
    expect((await fetch(`${base}/nodes/A/peers/b/settle`, { headers: auth })).status).toBe(404)
    expect((await fetch(`${base}/nodes/A/openapi.json`, { headers: auth })).status).toBe(404)
    expect((await fetch(`${base}/nodes/C/peers`, { headers: auth })).status).toBe(404)
    expect((await fetch(`${base}/dashboard/../package.json`)).status).toBe(404)
    await shot('network-refused')
  })

  it('shows every node and the topology across them, lights the payment\'s path as it flows, and the demo pays once the page is live', { timeout: 120_000 }, async () => {
    const url = printed(/every node at once: (\S+)/) as string
    await page.goto('about:blank')
    await page.goto(url)
    // The demo pays as soon as the page follows every node, and a payment takes a second or two:
    // watched from now, in the page, each frame, for the whole path lit at one instant.
    const pathLit = page.waitForFunction(
      (ids) => {
        // In the page (the test's TypeScript has no DOM types; the page's CSP forbids a string here).
        const doc = (globalThis as unknown as { document: { querySelector(selector: string): { classList: { contains(name: string): boolean }; textContent: string | null } | null } }).document
        // Lit by the payment's own packets (a fulfilled one listed), not only by the quote's probes.
        return ids.every((id) => doc.querySelector(`#topology [data-edge="${id}"]`)?.classList.contains('lit')) && doc.querySelector('#path')?.textContent === 'Carrying packets now: test.a.alice → A, A → B, B → test.b.bob.' && doc.querySelector('#recent li.packet.fulfilled') !== null
      },
      EDGES,
      { timeout: 50_000, polling: 'raf' },
    )
    await expect.poll(() => page.locator('#stream').textContent(), { timeout: 20_000 }).toBe('live')
    expect(page.url()).not.toContain('token=') // taken out of the address bar
    const edge = (id: string) => page.locator(`#topology [data-edge="${id}"]`)
    for (const id of EDGES) expect(await edge(id).getAttribute('class')).toMatch(/^edge btp up/)
    expect(await page.locator('#topology [data-node="node:A"]').textContent()).toContain('test.a')
    expect(await page.locator('#topology [data-node="user:A:alice"]').textContent()).toContain('test.a.alicechild of A')
    expect(await page.locator('#topology [data-node="user:B:bob"]').textContent()).toContain('test.b.bobchild of B')
    await pathLit
    await shot('network-path-lit')
    await expect.poll(() => printed(/(paid and settled)/), { timeout: 60_000 }).toBeDefined()
    for (const id of EDGES) expect(Number(await edge(id).getAttribute('data-packets'))).toBeGreaterThan(0)
    // Settled: every book on the page is square, as the demo checked through the admin APIs.
    await expect.poll(async () => (await page.locator('#nodes td.balance').allTextContents()).every((text) => /^0\.00 (USD|EUR)$/.test(text)), { timeout: 20_000 }).toBe(true)
    expect(await page.locator('#nodes [data-node="A"] tr[data-peer="b"] td').allTextContents()).toEqual(['b', '0.00 EUR', 'settle at 0.01 EUR', 'connected', 'sqlite'])
    // STREAM's zero-amount packets are left out of the list unless asked for.
    expect((await page.locator('#recent li').allTextContents()).filter((line) => line.endsWith('(probe)'))).toEqual([])
    await page.getByLabel('Show zero-amount packets').check()
    expect((await page.locator('#recent li').allTextContents()).filter((line) => line.endsWith('(probe)')).length).toBeGreaterThan(0)
    await page.getByLabel('Show zero-amount packets').uncheck()
    const recent = await page.locator('#recent li').allTextContents()
    expect(recent.some((line) => /A alice → b: \d+\.\d\d USD fulfilled$/.test(line))).toBe(true)
    expect(recent.some((line) => /B a → bob: \d+\.\d\d EUR fulfilled$/.test(line))).toBe(true)
    expect(recent.some((line) => /B settled to bob: \d+\.\d\d EUR ok$/.test(line))).toBe(true)
    await shot('network-laptop')
    expect(await page.evaluate(A11Y_PROBLEMS)).toEqual([])
    // Every node's table whole (its Settlement column too), at a laptop's width and a phone's.
    expect(await page.evaluate(TABLE_OVERFLOWS)).toEqual([])
    await page.setViewportSize({ width: 390, height: 844 })
    expect(await page.evaluate(A11Y_PROBLEMS)).toEqual([])
    await expect.poll(() => page.evaluate(TABLE_OVERFLOWS)).toEqual([])
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390)
    await shot('network-phone')
    await page.setViewportSize({ width: 1280, height: 900 })
    await expect.poll(() => page.evaluate(TABLE_OVERFLOWS)).toEqual([])
  })

  it('each node\'s own dashboard from its printed URL: A\'s peers on the graph, its channels as the ledger holds them', async () => {
    await page.goto(printed(/node A: (\S+)/) as string)
    await expect.poll(() => page.locator('#stream').textContent(), { timeout: 20_000 }).toBe('live')
    expect(await page.locator('#graph [data-edge="alice"]').getAttribute('class')).toBe('edge btp up')
    expect(await page.locator('#graph [data-edge="b"]').getAttribute('class')).toBe('edge btp up')
    // A pays B on its EUR channel (200.00 locked); Alice pays A on hers: A holds her best claim.
    await expect.poll(async () => (await page.locator('#channels tbody tr[data-peer="b"] td').allTextContents()).slice(0, 5), { timeout: 20_000 }).toEqual(['b', 'sqlite', 'ours → peer', expect.any(String), '200.00 EUR'])
    await expect.poll(async () => (await page.locator('#channels tbody tr[data-peer="alice"] td').allTextContents()).slice(0, 6), { timeout: 20_000 }).toEqual(['alice', 'sqlite', 'peer → ours', expect.any(String), '200.00 USD', '100.00 USD'])
    await shot('node-a')
    expect(errors).toEqual([])
  })

  it('keeps the network up until SIGTERM, then closes the channels, checks conservation and exits 0', async () => {
    expect(child?.exitCode).toBe(null)
    child?.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(output()).toMatch(/check +ok +every connector book is square/)
    expect(output()).not.toMatch(/FAIL/)
    expect(output()).toMatch(/summary +conserved/)
  })
})

describe('stack-demo --watch stopped before a page opens', () => {
  it('pays nothing, stops its connector processes and exits 0 on SIGTERM', { timeout: 240_000 }, async () => {
    const { child, output, exited } = startDemo()
    try {
      await untilWatched(output, child)
      const pids = [...output().matchAll(/pid (\d+)/g)].map((match) => Number(match[1]))
      expect(pids).toHaveLength(2)
      expect(pids.every(alive)).toBe(true)
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
      expect(output()).toMatch(/watch +stopped before the page opened: nothing was paid/)
      expect(output()).not.toMatch(/paying/)
      expect(pids.filter(alive)).toEqual([]) // stopped with the demo, not left behind
    } finally {
      await stopDemo(child, exited)
    }
  })
})
