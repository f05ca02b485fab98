// A topology drawn in SVG with plain DOM calls: nodes (a circle, lines of text under it, an
// optional balance bar) and edges between them (a line, a label at its middle). The caller lays
// it out; each draw replaces the picture (nothing in it takes the keyboard focus). Text is set
// with textContent and coloured with `currentColor`, so the page's contrast check reads it right.

const SVG = 'http://www.w3.org/2000/svg'

function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag)
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value))
  if (text !== undefined) node.textContent = text
  return node
}

/**
 * A balance against its limits: a track from `min` (the peer's minimum balance: it owes us at
 * most this) to `max` (the settle threshold: we owe it this, then settle), a tick at zero, a mark
 * at the balance. Numbers here are only for drawing; the amounts shown are text.
 */
function balanceBar({ min, max, value }, x, y, width) {
  const group = svg('g', { class: 'bar' })
  const span = max - min || 1
  const at = (v) => x + (Math.min(Math.max(v, min), max) - min) / span * width
  group.append(svg('rect', { x, y, width, height: 6, rx: 3, class: 'bar-track' }))
  if (min < 0 && max > 0) group.append(svg('line', { x1: at(0), x2: at(0), y1: y - 2, y2: y + 8, class: 'bar-zero' }))
  const from = at(Math.min(0, value))
  group.append(svg('rect', { x: from, y, width: Math.max(at(Math.max(0, value)) - from, 2), height: 6, rx: 2, class: value > max || value < min ? 'bar-value over' : 'bar-value' }))
  return group
}

/**
 * Draws `graph` into `target` (an <svg>): { width, height, nodes: [{ id, x, y, r, lines, className,
 * side?, bar? }], edges: [{ id, from, to, label, className, packets }] }. Nodes and edges get data-node and
 * data-edge attributes (the tests and the lighting find them by these).
 */
export function drawGraph(target, graph) {
  target.setAttribute('viewBox', `0 0 ${graph.width} ${graph.height}`)
  const byId = new Map(graph.nodes.map((node) => [node.id, node]))
  const edges = graph.edges.flatMap((edge) => {
    const [a, b] = [byId.get(edge.from), byId.get(edge.to)]
    if (a === undefined || b === undefined) return []
    const group = svg('g', { class: `edge ${edge.className ?? ''}`, 'data-edge': edge.id, 'data-packets': edge.packets ?? 0 })
    group.append(svg('line', { x1: a.x, y1: a.y, x2: b.x, y2: b.y }))
    if (edge.label !== undefined) {
      // Above the middle of a level line; beside (to the right of) a steep one, clear of the nodes' text.
      const steep = Math.abs(b.y - a.y) > Math.abs(b.x - a.x)
      const [lx, ly] = steep ? [(a.x + b.x) / 2 + 8, a.y + (b.y - a.y) * 0.62] : [(a.x + b.x) / 2, (a.y + b.y) / 2 - 4]
      const label = svg('text', { x: lx, y: ly, 'text-anchor': steep ? 'start' : 'middle', class: 'edge-label' })
      edge.label.forEach((line, i) => label.append(svg('tspan', { x: lx, dy: i === 0 ? 0 : '1.15em' }, line)))
      group.append(label)
    }
    return [group]
  })
  const nodes = graph.nodes.map((node) => {
    const group = svg('g', { class: `node ${node.className ?? ''}`, 'data-node': node.id })
    group.append(svg('circle', { cx: node.x, cy: node.y, r: node.r }))
    // The lines under the circle, centred, or (side 'right', for narrow screens) beside it.
    const right = node.side === 'right'
    const [tx, ty] = right ? [node.x + node.r + 8, node.y - 4] : [node.x, node.y + node.r + 14]
    const text = svg('text', { x: tx, y: ty, 'text-anchor': right ? 'start' : 'middle' })
    node.lines.forEach((line, i) => text.append(svg('tspan', { x: tx, dy: i === 0 ? 0 : '1.2em', class: i === 0 ? 'name' : '' }, line)))
    group.append(text)
    if (node.bar !== undefined) group.append(balanceBar(node.bar, right ? tx : tx - 45, ty + node.lines.length * 14.4 - 6, 90))
    return group
  })
  // Edges first: the nodes' circles and labels sit on top of the lines.
  target.replaceChildren(...edges, ...nodes)
}
