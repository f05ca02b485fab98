import { findProgram } from '@stack/process-guard'
import { chromium } from 'playwright-core'

/** Debian's chromium, never a downloaded one; nothing phoning home. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/**
 * The installed chromium's path (on PATH); ToolUnavailableError naming Debian's package when there
 * is none (a test fails rather than skips: the dashboard is tested in a real browser).
 */
export function chromiumPath() {
  return findProgram('chromium', { debianPackage: 'chromium' })
}

/**
 * Headless chromium on a fresh profile in `profileDir`, its first page, and the page's script
 * errors and CSP violations collected in `errors` (failed loads are not: the tests ask for 401s).
 * @param {string} profileDir
 * @param {{ width: number, height: number }} viewport
 */
export async function openBrowser(profileDir, viewport = { width: 1280, height: 900 }) {
  const context = await chromium.launchPersistentContext(profileDir, { executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS, viewport })
  const page = context.pages()[0] ?? (await context.newPage())
  /** @type {string[]} */
  const errors = []
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text())
  })
  page.on('pageerror', (error) => errors.push(error.message))
  return { context, page, errors }
}

/**
 * Checks run in the page (as a string: the test's TypeScript has no DOM types): WCAG 2.1's
 * contrast ratio (§1.4.3, 4.5:1 for text) of every visible element with text against the first
 * opaque background up its ancestors, and every form field with a label and every button with
 * a name. Returns what fails, as lines.
 */
export const A11Y_PROBLEMS = `(() => {
  const rgb = (text) => (text.match(/[0-9.]+/g) || []).map(Number)
  const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4 }
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
  const background = (el) => {
    for (let at = el; at; at = at.parentElement) {
      const c = rgb(getComputedStyle(at).backgroundColor)
      if (c.length === 3 || c[3] === 1) return c
    }
    return [255, 255, 255]
  }
  const problems = []
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() !== '')
    if (!own || el.getClientRects().length === 0) continue
    const [a, b] = [luminance(rgb(getComputedStyle(el).color)), luminance(background(el))]
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)
    if (ratio < 4.5) problems.push('contrast ' + ratio.toFixed(2) + ': ' + el.tagName + ' "' + el.textContent.trim().slice(0, 40) + '"')
  }
  for (const field of document.querySelectorAll('input, select, textarea')) if (field.labels.length === 0) problems.push('no label: ' + field.id)
  for (const button of document.querySelectorAll('button')) if ((button.getAttribute('aria-label') || button.textContent).trim() === '') problems.push('no name: a button')
  return problems
})()`

/**
 * Run in a page (`page.evaluate(TABLE_OVERFLOWS)`): every visible table cell whose content
 * overflows it, or that reaches past the box that clips it (a scrolling wrapper, the window):
 * a column cut off. As lines; [] if none. A visually hidden heading (clipped to nothing) is left out.
 */
export const TABLE_OVERFLOWS = `(() => {
  const problems = []
  const name = (cell) => cell.tagName + ' "' + cell.textContent.trim().slice(0, 40) + '"' + (cell.closest('table').id ? ' in #' + cell.closest('table').id : '')
  for (const cell of document.querySelectorAll('td, th')) {
    if (cell.getClientRects().length === 0 || getComputedStyle(cell.closest('thead, tbody, table')).clipPath !== 'none') continue
    const rect = cell.getBoundingClientRect()
    if (cell.scrollWidth > cell.clientWidth + 1) problems.push('content wider than its cell: ' + name(cell))
    let clipped = rect.right > document.documentElement.clientWidth + 1
    for (let at = cell.parentElement; at && !clipped; at = at.parentElement) {
      if (getComputedStyle(at).overflowX === 'visible') continue
      const box = at.getBoundingClientRect()
      clipped = rect.right > box.right + 1 || rect.left < box.left - 1
    }
    if (clipped) problems.push('cut off: ' + name(cell))
  }
  return problems
})()`
