// Every node of a network on one page: the topology across nodes (connectors, the links between
// them, their end users), a payment's path lit hop by hop from each node's packet events, each
// node's peers and balances, one list of every node's packets. It reads each node's admin API
// through the server that serves it (`/nodes/<name>/…`: the demos' watch server, which holds the
// nodes' tokens), so it talks to one origin only.
import { call, readEvents, TokenRefusedError } from './api.js'
import { element, fillTable, inAsset, linkKind, row } from './format.js'
import { gate, refuse, show } from './gate.js'
import { drawGraph } from './graph.js'

const $ = (id) => document.getElementById(id)
const RECENT = 200
const LIT_MS = 5_000 // an edge that carried a packet stays lit this long (a payment may take a second)

/** name → { name, base, address, peers, balances, settlement, routes, live } */
const nodes = new Map()
const lit = new Map() // edge id → { at, count }
const recent = []
let stopping
const refused = () => refuse(() => stopping?.abort())

// --- the topology

/** The node `peer` of `node` is, if it is one here: the node whose address `node` routes to it directly. */
function nodeBehind(node, peer) {
  for (const other of nodes.values()) {
    if (other === node || other.address === '') continue
    if (node.routes.some((route) => route.prefix === other.address && route.nextHop === peer)) return other
  }
  return undefined
}

/** What the page calls a peer of `node`: the node it is, or the end user's address. */
function peerName(node, peerId) {
  const other = nodeBehind(node, peerId)
  if (other !== undefined) return other.name
  const peer = node.peers.find((p) => p.id === peerId)
  return peer?.relation === 'child' && node.address !== '' ? `${node.address}.${peerId}` : peerId
}

/** The edge a peer of `node` is on: between two nodes, or to an end user. */
function edgeOf(node, peer) {
  const other = nodeBehind(node, peer)
  return other === undefined ? `user:${node.name}:${peer}` : `link:${[node.name, other.name].sort().join('|')}`
}

function topology() {
  const list = [...nodes.values()]
  const edges = new Map()
  const users = []
  for (const node of list) {
    for (const peer of node.peers) {
      const id = edgeOf(node, peer.id)
      const connected = peer.state === 'connected'
      const seen = edges.get(id)
      if (seen !== undefined) {
        seen.connected ||= connected
        continue
      }
      const other = nodeBehind(node, peer.id)
      if (other === undefined) users.push({ node, peer })
      edges.set(id, other === undefined ? { id, from: id, to: `node:${node.name}`, connected, transport: peer.transport } : { id, from: `node:${node.name}`, to: `node:${other.name}`, connected, transport: peer.transport })
    }
  }
  return { list, edges: [...edges.values()], users }
}

function renderTopology() {
  const target = $('topology')
  const { list, edges, users } = topology()
  const width = Math.max(target.clientWidth || 900, 300)
  const narrow = width < 560
  const placed = []
  // Connectors in a row (a column on a phone), their end users above (parents) and below (the rest).
  const level = users.some((user) => user.peer.relation === 'parent') ? 190 : 50
  let down = 60 // on a phone: the next connector's y, below the previous one's users
  list.forEach((node, i) => {
    const own = users.filter((user) => user.node === node)
    const [x, y] = narrow ? [50, down] : [(width * (i + 1)) / (list.length + 1), level]
    down += 130 + own.length * 75
    placed.push({ id: `node:${node.name}`, x, y, r: 22, lines: [node.name, node.address || '…', node.live ? 'live' : 'not live'], className: 'connector', side: narrow ? 'right' : 'below' })
    own.forEach(({ peer }, k) => {
      const above = peer.relation === 'parent'
      const spread = (k - (own.length - 1) / 2) * 130
      const [ux, uy] = narrow ? [170, y + 90 + k * 75] : [x + spread, above ? level - 150 : level + 200]
      const balance = node.balances[peer.id]?.balance ?? '0'
      placed.push({ id: `user:${node.name}:${peer.id}`, x: ux, y: uy, r: 12, lines: [peerName(node, peer.id), `${peer.relation} of ${node.name}`, `${node.name} owes ${inAsset(balance, peer.asset)}`], className: 'user', side: narrow ? 'right' : 'below' })
    })
  })
  const height = Math.max(...placed.map((node) => node.y), 0) + 90
  const now = Date.now()
  drawGraph(target, {
    width,
    height,
    nodes: placed,
    edges: edges.map((edge) => {
      const on = now - (lit.get(edge.id)?.at ?? 0) < LIT_MS
      return {
        id: edge.id,
        from: edge.from,
        to: edge.to,
        ...(narrow ? {} : { label: [linkKind(edge.transport), edge.connected ? 'connected' : 'not connected'] }),
        className: `${edge.transport === 'http' ? 'http' : 'btp'} ${edge.connected ? 'up' : 'down'}${on ? ' lit' : ''}`,
        packets: lit.get(edge.id)?.count ?? 0,
      }
    }),
  })
  const names = new Map(placed.map((node) => [node.id, node.lines[0]]))
  const describe = (edge) => `${names.get(edge.from)} – ${names.get(edge.to)} (${linkKind(edge.transport)}, ${edge.connected ? 'connected' : 'not connected'})`
  target.setAttribute('aria-label', `${list.length} nodes. Links: ${edges.map(describe).join('; ')}.`)
  const litNow = edges.filter((edge) => now - (lit.get(edge.id)?.at ?? 0) < LIT_MS)
  // Each hop in the way its last packet went.
  $('path').textContent = litNow.length > 0 ? `Carrying packets now: ${litNow.map((edge) => lit.get(edge.id).hop).join(', ')}.` : lit.size > 0 ? 'No packet in the last seconds.' : 'No packet yet.'
}

// --- the nodes' panels

function renderNodes() {
  $('count').textContent = `(${nodes.size} nodes)`
  const cards = [...nodes.values()].map((node) => {
    const card = element('section', undefined, 'node-card')
    card.dataset.node = node.name
    card.setAttribute('aria-label', `node ${node.name}`)
    card.append(element('h3', `${node.name} ${node.address}`), element('p', node.live ? 'live' : 'not live', node.live ? 'state connected' : 'state closed'))
    const table = element('table')
    const head = element('tr')
    for (const title of ['Peer', 'Balance', 'Limits', 'State', 'Settlement']) {
      const th = element('th', title)
      th.scope = 'col'
      head.append(th)
    }
    table.append(element('thead'), element('tbody'))
    table.tHead.append(head)
    const rows = node.peers.map((peer) => {
      const limits = [peer.minBalance === undefined ? '' : `min ${inAsset(peer.minBalance, peer.asset)}`, peer.settleThreshold === undefined ? '' : `settle at ${inAsset(peer.settleThreshold, peer.asset)}`].filter(Boolean).join(', ')
      const tr = row([peer.id, inAsset(node.balances[peer.id]?.balance ?? '0', peer.asset), limits || 'none', element('span', peer.state, `state ${peer.state}`), node.settlement[peer.id]?.kind ?? 'none'])
      tr.dataset.peer = peer.id
      tr.cells[1].className = 'balance'
      return tr
    })
    const scroll = element('div', undefined, 'scroll')
    scroll.append(table)
    card.append(scroll)
    return { card, table, rows }
  })
  $('nodes').replaceChildren(...cards.map(({ card }) => card))
  // Once in the page: a table is fitted to the box it has there.
  for (const { table, rows } of cards) fillTable(table, rows)
}

function describe(node, entry) {
  const asset = (id) => node.peers.find((peer) => peer.id === id)?.asset
  if (entry.type === 'settlement') return `${entry.direction === 'sent' ? 'settled to' : 'settlement from'} ${entry.peer}: ${inAsset(entry.amount, asset(entry.peer))} ${entry.outcome}`
  return `${entry.from} → ${entry.to ?? '(none)'}: ${inAsset(entry.amount, asset(entry.from))} ${entry.outcome === 'fulfilled' ? 'fulfilled' : `rejected ${entry.code}`}${entry.probe ? ' (probe)' : ''}`
}

function remember(node, entry) {
  recent.unshift({ node, entry, at: new Date() })
  recent.length = Math.min(recent.length, RECENT)
  renderRecent()
}

/** The list, without zero-amount packets unless asked (STREAM sends many: probes of the path, closes). */
function renderRecent() {
  const probes = $('probes').checked
  $('recent').replaceChildren(
    ...recent.filter(({ entry }) => probes || !entry.probe).map(({ node: from, entry: e, at }) => {
      const li = element('li', undefined, `${e.type} ${e.outcome}`)
      li.append(element('time', at.toLocaleTimeString()), ' ', element('strong', from.name), ' ', element('span', describe(from, e)))
      return li
    }),
  )
}

// --- data

async function load(node) {
  const get = (path) => call('GET', path, undefined, node.base)
  const [health, peers, balances, settlement, routes] = await Promise.all([get('/health'), get('/peers'), get('/balances'), get('/settlement'), get('/routes')])
  Object.assign(node, { address: health.address, peers, balances, settlement, routes })
}

function onEvent(node, type, data) {
  if (type === 'packet') {
    if (!data.probe) {
      const hops = [[data.from, `${peerName(node, data.from)} → ${node.name}`], [data.to, `${node.name} → ${peerName(node, data.to)}`]]
      for (const [peer, hop] of hops) {
        if (peer === undefined) continue
        const id = edgeOf(node, peer)
        lit.set(id, { at: Date.now(), count: (lit.get(id)?.count ?? 0) + 1, hop })
      }
    }
    remember(node, data)
    renderTopology()
  } else if (type === 'settlement') {
    remember(node, data)
  } else if (type === 'balance') {
    node.balances[data.peer] = { ...node.balances[data.peer], balance: data.balance }
    renderNodes()
    renderTopology()
  } else if (type === 'peer' || type === 'route') {
    void load(node).then(render, failed)
  }
}

function render() {
  renderNodes()
  renderTopology()
  const live = [...nodes.values()].filter((node) => node.live).length
  $('stream').textContent = live === nodes.size ? 'live' : `${live} of ${nodes.size} nodes live`
}

function failed(error) {
  if (error instanceof TokenRefusedError) return refused()
  $('stream').textContent = `error: ${error.message}`
}

/** One node's event stream, reconnected (and its state read again) after it ends. */
async function follow(node, signal) {
  for (let delay = 500; !signal.aborted; delay = Math.min(delay * 2, 10_000)) {
    try {
      await readEvents(signal, () => {
        delay = 500
        node.live = true
        render()
      }, (type, data) => onEvent(node, type, data), node.base)
    } catch (error) {
      if (error instanceof TokenRefusedError) return refused()
      if (signal.aborted) return
    }
    node.live = false
    render()
    await new Promise((resolve) => setTimeout(resolve, delay))
    await load(node).then(render, failed)
  }
}

async function open() {
  try {
    const names = await call('GET', '/nodes')
    nodes.clear()
    for (const { name } of names) nodes.set(name, { name, base: `/nodes/${encodeURIComponent(name)}`, address: '', peers: [], balances: {}, settlement: {}, routes: [], live: false })
    await Promise.all([...nodes.values()].map(load))
  } catch (error) {
    return failed(error)
  }
  show('board')
  render()
  stopping = new AbortController()
  for (const node of nodes.values()) void follow(node, stopping.signal)
}

$('probes').addEventListener('change', renderRecent)
window.addEventListener('resize', () => nodes.size > 0 && renderTopology())
// The light fades: redrawn each second while an edge is lit.
setInterval(() => [...lit.values()].some(({ at }) => Date.now() - at < LIT_MS + 1000) && renderTopology(), 1000)

void gate("This page reads every node of the network through the server that serves it, with that server's token (the demo prints the page's address with it).", open, '/nodes')
