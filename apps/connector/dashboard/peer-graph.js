// The node in the middle, its peers around it (parents first, from the top, then peers, then
// children): each edge says the link's kind and whether it is connected, each peer its relation,
// settlement kind and balance, drawn against its limits.
import { drawGraph } from './graph.js'
import { linkKind } from './format.js'

const ORDER = { parent: 0, peer: 1, child: 2 }
// Where each relation sits around the node (degrees, 0 to the right, clockwise): parents above,
// children below, peers on both sides.
const SECTORS = { parent: [[-150, -30]], child: [[30, 150]], peer: [[150, 210], [-30, 30]] }

/** Angles (radians) for `count` peers of one relation, spread over its sectors in turn. */
function anglesOf(relation, count) {
  const sectors = SECTORS[relation]
  return Array.from({ length: count }, (_, i) => {
    const sector = sectors[i % sectors.length]
    const inSector = Math.ceil((count - (i % sectors.length)) / sectors.length)
    const k = Math.floor(i / sectors.length)
    const [from, to] = sector
    return ((from + ((k + 1) * (to - from)) / (inSector + 1)) * Math.PI) / 180
  })
}

/** Numbers for the balance bar (drawing only): the peer's minimum balance to its settle threshold. */
export function barOf(peer, balance) {
  const value = Number(balance)
  const threshold = peer.settleThreshold === undefined ? undefined : Number(peer.settleThreshold)
  const min = peer.minBalance === undefined ? -Math.max(Math.abs(value), threshold ?? 1) : Number(peer.minBalance)
  const max = threshold ?? Math.max(Math.abs(value), Math.abs(min))
  return { min, max, value }
}

/** One sentence per peer: the picture's text equivalent (the table below says it all too). */
export function describePeer(peer, balanceText, settlementKind) {
  return `${peer.id}: ${peer.relation}, ${linkKind(peer.transport)}, ${peer.state === 'connected' ? 'connected' : `not connected (${peer.state})`}, settlement ${settlementKind}, balance ${balanceText}`
}

/**
 * Draws into `target`; `money(units, peerId)` formats, `lit` is the set of peer ids whose edge
 * carried a packet just now, `packets` counts each peer's packets since the page opened.
 */
export function drawPeers(target, { address, peers, balances, settlement, money, lit = new Set(), packets = {} }) {
  const sorted = [...peers].sort((a, b) => ORDER[a.relation] - ORDER[b.relation] || (a.id < b.id ? -1 : 1))
  // Drawn at the size it is shown (user units = CSS pixels): the text stays 12px wide and narrow alike.
  const width = Math.max(target.clientWidth || 860, 300)
  const narrow = width < 560 // a phone: the peers in a column under the node, labels to their right
  const has = (relation) => sorted.some((peer) => peer.relation === relation)
  const cy = narrow ? 34 : has('parent') ? 140 : 60
  const [cx, rx, ry] = narrow ? [34, 0, 0] : [width / 2, width / 2 - 95, 110]
  const height = narrow ? 80 + sorted.length * 100 : cy + (has('child') ? ry + 100 : 100)
  const angles = new Map()
  for (const relation of Object.keys(ORDER)) {
    const ofRelation = sorted.filter((peer) => peer.relation === relation)
    anglesOf(relation, ofRelation.length).forEach((angle, i) => angles.set(ofRelation[i].id, angle))
  }
  const place = (peer, i) => {
    if (narrow) return { x: 70, y: 110 + i * 100 }
    const angle = angles.get(peer.id)
    return { x: cx + rx * Math.cos(angle), y: cy + ry * Math.sin(angle) }
  }
  const side = narrow ? 'right' : 'below'
  const nodes = [{ id: '', x: cx, y: cy, r: 22, lines: [address, 'this node'], className: 'self', side }]
  const edges = []
  sorted.forEach((peer, i) => {
    const balance = balances[peer.id]?.balance ?? '0'
    const kind = settlement[peer.id]?.kind ?? 'none'
    const connected = peer.state === 'connected'
    const link = [linkKind(peer.transport), connected ? 'connected' : `not connected (${peer.state})`]
    const lines = [peer.id, `${peer.relation} · settles ${kind}`, money(balance, peer.id)]
    nodes.push({ id: peer.id, ...place(peer, i), r: 13, lines: narrow ? [...lines, link.join(', ')] : lines, className: `peer ${peer.relation}`, bar: barOf(peer, balance), side })
    edges.push({
      id: peer.id,
      from: '',
      to: peer.id,
      ...(narrow ? {} : { label: link }),
      className: `${peer.transport === 'http' ? 'http' : 'btp'} ${connected ? 'up' : 'down'}${lit.has(peer.id) ? ' lit' : ''}`,
      packets: packets[peer.id] ?? 0,
    })
  })
  drawGraph(target, { width, height, nodes, edges })
  const summary = sorted.map((peer) => describePeer(peer, money(balances[peer.id]?.balance ?? '0', peer.id), settlement[peer.id]?.kind ?? 'none'))
  target.setAttribute('aria-label', `${address} and its ${peers.length} peers. ${summary.join('. ')}`)
}
