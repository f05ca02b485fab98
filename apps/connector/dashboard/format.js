// Amounts and small DOM helpers shared by the dashboard's pages. Amounts stay strings of digits
// (UInt64 and beyond); decimals are placed by text, never through a float.

/** An amount in units of `scale` (a string of digits, maybe negative) as a decimal: "-1234", 2 → "-12.34". */
export function decimal(units, scale) {
  const negative = units.startsWith('-')
  const digits = (negative ? units.slice(1) : units).padStart(scale + 1, '0')
  const whole = digits.slice(0, digits.length - scale)
  return `${negative ? '-' : ''}${whole}${scale > 0 ? `.${digits.slice(digits.length - scale)}` : ''}`
}

/** `units` in `asset` (or plain units when the asset is not known). */
export const inAsset = (units, asset) => (asset === undefined ? `${units} units` : `${decimal(String(units), asset.scale)} ${asset.code}`)

export function element(tag, text, className) {
  const node = document.createElement(tag)
  if (text !== undefined) node.textContent = text
  if (className !== undefined) node.className = className
  return node
}

export function row(cells) {
  const tr = document.createElement('tr')
  for (const cell of cells) {
    const td = document.createElement('td')
    if (cell instanceof Node) td.append(cell)
    else td.textContent = cell
    tr.append(td)
  }
  return tr
}

/**
 * Puts `rows` in `table`'s body and fits the table to its box: each cell is labelled with its
 * column's heading (data-label), and a table wider than its box is stacked (dashboard.css,
 * `table.stacked`: a block per row, each cell after its heading's name), so that no column is
 * cut off at any width. A resize of the window fits every table again.
 */
export function fillTable(table, rows) {
  table.tBodies[0].replaceChildren(...rows)
  fitTable(table)
}

function fitTable(table) {
  const headings = [...table.tHead.rows[0].cells].map((th) => th.textContent)
  for (const tr of table.tBodies[0].rows) for (const td of tr.cells) td.dataset.label = headings[td.cellIndex] ?? ''
  table.classList.remove('stacked')
  if (table.offsetWidth > table.parentElement.clientWidth) table.classList.add('stacked')
}

addEventListener('resize', () => {
  for (const table of document.querySelectorAll('table')) fitTable(table)
})

/** A link's kind as the operator names it: `btp-server` → "BTP (server)". */
export const linkKind = (transport) => (transport === 'http' ? 'ILP over HTTP' : `BTP (${transport.replace('btp-', '')})`)

/** A long id (a channel id, an address) shortened for a cell; the whole goes in the title. */
export function shortId(id) {
  const span = element('span', id.length > 20 ? `${id.slice(0, 10)}…${id.slice(-6)}` : id, 'mono')
  span.title = id
  return span
}
