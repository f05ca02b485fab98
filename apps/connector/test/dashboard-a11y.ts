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
