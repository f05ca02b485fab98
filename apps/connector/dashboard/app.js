// The dashboard: the read endpoints once, then kept live by GET /events. Every text goes in
// through textContent (never innerHTML): peer ids and reasons are the operator's data.
import { AdminApiError, call, readEvents, TokenRefusedError } from './api.js'
import { channelRows } from './channels.js'
import { gate, refuse, show } from './gate.js'
import { decimal, element, fillTable, inAsset, linkKind, row } from './format.js'
import { drawPeers } from './peer-graph.js'

const $ = (id) => document.getElementById(id)
const RECENT = 200 // the rolling list's length
const WINDOW_MS = 10_000 // packets/s and value/s: over the last ten seconds
const LIT_MS = 3_000 // an edge that carried a packet stays lit this long
const CHANNELS_MS = 5_000 // the channels read again from their ledgers (a peer redeems without telling us)

const state = { address: '', peers: [], balances: {}, settlement: {}, channels: {}, routes: [], recent: [], window: [], rejects: {}, lit: new Map(), packets: {}, startedAt: 0 }
let stream

const assetOf = (id) => state.peers.find((peer) => peer.id === id)?.asset
const money = (units, peerId) => inAsset(units, assetOf(peerId))
const refused = () => refuse(() => stream?.abort())

// --- rendering

function renderPeers() {
  fillTable(
    $('peers'),
    state.peers.map((peer) => {
      const balance = state.balances[peer.id]?.balance ?? '0'
      const limits = [
        peer.minBalance === undefined ? undefined : `min ${money(peer.minBalance, peer.id)}`,
        peer.settleThreshold === undefined ? undefined : `settle at ${money(peer.settleThreshold, peer.id)}`,
        peer.settleTo === undefined ? undefined : `to ${money(peer.settleTo, peer.id)}`,
      ].filter((text) => text !== undefined)
      const actions = element('div', undefined, 'actions')
      const settle = element('button', 'Settle now')
      settle.type = 'button'
      settle.setAttribute('aria-label', `Settle now with ${peer.id}`)
      settle.addEventListener('click', () => confirmAction('settle', peer.id))
      const adjust = element('button', 'Adjust balance')
      adjust.type = 'button'
      adjust.setAttribute('aria-label', `Adjust the balance of ${peer.id}`)
      adjust.addEventListener('click', () => confirmAction('adjust', peer.id))
      actions.append(settle, adjust)
      const tr = row([peer.id, money(balance, peer.id), limits.join(', ') || 'none', element('span', peer.state, `state ${peer.state}`), peer.relation, linkKind(peer.transport), state.settlement[peer.id]?.kind ?? 'none', actions])
      tr.dataset.peer = peer.id
      tr.cells[1].className = 'balance'
      return tr
    }),
  )
  const filter = $('filter')
  const chosen = filter.value
  filter.replaceChildren(element('option', 'every peer'), ...state.peers.map((peer) => element('option', peer.id)))
  filter.options[0].value = ''
  filter.value = state.peers.some((peer) => peer.id === chosen) ? chosen : ''
  const codes = [...new Map(state.peers.map((peer) => [`${peer.asset.code}/${peer.asset.scale}`, peer.asset])).values()]
  $('assets').textContent = codes.map((asset) => `${asset.code} (scale ${asset.scale})`).join(', ') || 'none'
  renderGraph()
}

function renderGraph() {
  const now = Date.now()
  const lit = new Set([...state.lit].filter(([, at]) => now - at < LIT_MS).map(([peer]) => peer))
  drawPeers($('graph'), { address: state.address, peers: state.peers, balances: state.balances, settlement: state.settlement, money, lit, packets: state.packets })
}

function renderChannels() {
  const rows = channelRows(state.channels, money)
  fillTable($('channels'), rows.length > 0 ? rows : [row(['no peer settles over a channel', '', '', '', '', '', '', '', ''])])
}

function renderRoutes() {
  fillTable($('routes'), state.routes.map((route) => row([route.prefix, route.nextHop || '(this node)', route.path.join(' → ') || '—', route.source])))
}

function describe(entry) {
  if (entry.type === 'settlement') return `${entry.direction === 'sent' ? 'settled to' : 'settlement from'} ${entry.peer}: ${money(entry.amount, entry.peer)} ${entry.outcome}`
  const outcome = entry.outcome === 'fulfilled' ? 'fulfilled' : `rejected ${entry.code}`
  return `${entry.from} → ${entry.to ?? '(none)'}: ${money(entry.amount, entry.from)} ${outcome}${entry.probe ? ' (probe)' : ''}`
}

function renderRecent() {
  const peer = $('filter').value
  const shown = state.recent.filter((entry) => peer === '' || entry.peer === peer || entry.from === peer || entry.to === peer)
  $('recent').replaceChildren(
    ...shown.map((entry) => {
      const li = element('li', undefined, `${entry.type} ${entry.outcome}`)
      li.append(element('time', entry.at.toLocaleTimeString()), ' ', element('span', describe(entry)))
      return li
    }),
  )
}

function renderRates() {
  const now = Date.now()
  state.window = state.window.filter((entry) => now - entry.at < WINDOW_MS)
  const seconds = WINDOW_MS / 1000
  $('pps').textContent = (state.window.length / seconds).toFixed(1)
  const value = new Map() // asset code → fulfilled units in the window
  for (const entry of state.window) {
    const asset = assetOf(entry.from)
    if (entry.outcome !== 'fulfilled' || asset === undefined) continue
    const key = `${asset.code}/${asset.scale}`
    value.set(key, { asset, units: (value.get(key)?.units ?? 0n) + BigInt(entry.amount) })
  }
  $('vps').textContent = [...value.values()].map(({ asset, units }) => `${decimal(String(units / BigInt(seconds)), asset.scale)} ${asset.code}`).join(', ') || '0'
  $('rejects').textContent = Object.entries(state.rejects).map(([code, count]) => `${code}: ${count}`).join(', ') || 'none'
  const uptime = Math.round((now - state.startedAt) / 1000)
  $('uptime').textContent = `${Math.floor(uptime / 3600)}h ${Math.floor((uptime % 3600) / 60)}m ${uptime % 60}s`
}

// --- data

async function loadPeers() {
  ;[state.peers, state.balances, state.settlement] = await Promise.all([call('GET', '/peers'), call('GET', '/balances'), call('GET', '/settlement')])
  renderPeers()
}

/** Each settling peer's channels as the ledger holds them (one read per channel: on open, after settlements). */
async function loadChannels() {
  const ids = Object.keys(state.settlement)
  const answers = await Promise.all(ids.map((id) => call('GET', `/peers/${encodeURIComponent(id)}/channel`).catch((error) => {
    if (error instanceof TokenRefusedError) throw error
    return { kind: state.settlement[id]?.kind, error: error.message }
  })))
  state.channels = Object.fromEntries(ids.map((id, i) => [id, answers[i]]))
  renderChannels()
}

async function loadRoutes() {
  state.routes = await call('GET', '/routes')
  renderRoutes()
}

function remember(entry) {
  state.recent.unshift({ ...entry, at: new Date() })
  state.recent.length = Math.min(state.recent.length, RECENT)
  renderRecent()
}

function onEvent(type, data) {
  if (type === 'packet') {
    state.window.push({ ...data, at: Date.now() })
    if (data.outcome === 'rejected') state.rejects[data.code] = (state.rejects[data.code] ?? 0) + 1
    for (const peer of [data.from, data.to]) {
      if (peer === undefined || data.probe) continue
      state.lit.set(peer, Date.now())
      state.packets[peer] = (state.packets[peer] ?? 0) + 1
    }
    remember(data)
    renderRates()
    renderGraph()
  } else if (type === 'settlement') {
    remember(data)
    void loadPeers().then(loadChannels).catch(failed) // the channel's state moved with it
  } else if (type === 'balance') {
    state.balances[data.peer] = { ...state.balances[data.peer], balance: data.balance }
    // The one cell only: rebuilding the rows would take the keyboard focus off an action button.
    const tr = [...$('peers').tBodies[0].rows].find((r) => r.dataset.peer === data.peer)
    if (tr === undefined) renderPeers()
    else tr.cells[1].textContent = money(data.balance, data.peer)
    renderGraph()
  } else if (type === 'peer') {
    void loadPeers().catch(failed)
  } else if (type === 'route') {
    void loadRoutes().catch(failed)
  }
}

function failed(error) {
  if (error instanceof TokenRefusedError) return refused()
  $('stream').textContent = `error: ${error.message}`
}

/** The event stream, reconnected after it ends (the node restarted, or dropped us as too slow). */
async function follow(signal) {
  for (let delay = 500; !signal.aborted; delay = Math.min(delay * 2, 10_000)) {
    try {
      await readEvents(
        signal,
        () => {
          delay = 500
          $('stream').textContent = 'live'
        },
        onEvent,
      )
    } catch (error) {
      if (error instanceof TokenRefusedError) return refused()
      if (signal.aborted) return
    }
    $('stream').textContent = 'reconnecting…'
    await new Promise((resolve) => setTimeout(resolve, delay))
    // Whatever happened while away: read the state afresh.
    await Promise.all([loadPeers().then(loadChannels), loadRoutes()]).catch(failed)
  }
}

async function open() {
  try {
    const health = await fetch('/health').then((res) => res.json())
    $('address').textContent = health.address
    state.address = health.address
    state.startedAt = Date.now() - health.uptimeSeconds * 1000
    await Promise.all([loadPeers().then(loadChannels), loadRoutes()])
  } catch (error) {
    return failed(error)
  }
  show('board')
  renderRates()
  stream = new AbortController()
  void follow(stream.signal)
  const polling = setInterval(() => void loadChannels().catch(failed), CHANNELS_MS)
  stream.signal.addEventListener('abort', () => clearInterval(polling))
}

// --- actions, each behind a confirmation

function confirmAction(kind, peer) {
  const dialog = $('confirm')
  $('confirm-title').textContent = kind === 'settle' ? `Settle now with ${peer}?` : `Adjust the balance of ${peer}?`
  $('confirm-text').textContent =
    kind === 'settle'
      ? `Pays ${peer} now what this node owes it above its settleTo (balance ${money(state.balances[peer]?.balance ?? '0', peer)}).`
      : `Changes what this node owes ${peer} (now ${money(state.balances[peer]?.balance ?? '0', peer)}) by the amount, journaled with the reason.`
  $('adjust-fields').hidden = kind !== 'adjust'
  $('adjust-amount').required = kind === 'adjust'
  $('adjust-reason').required = kind === 'adjust'
  $('adjust-amount').value = ''
  $('adjust-reason').value = ''
  dialog.onclose = async () => {
    if (dialog.returnValue !== 'ok') return
    const result = $('action-result')
    try {
      if (kind === 'settle') {
        const settled = await call('POST', `/peers/${encodeURIComponent(peer)}/settle`)
        result.textContent = `Settled ${money(settled.amount, peer)} with ${peer}; balance now ${money(settled.balance, peer)}.`
      } else {
        const body = { amount: $('adjust-amount').value.trim(), reason: $('adjust-reason').value.trim() }
        const adjusted = await call('POST', `/balances/${encodeURIComponent(peer)}/adjustments`, body)
        result.textContent = `Adjusted ${peer} by ${money(adjusted.amount, peer)}; balance now ${money(adjusted.balance, peer)}.`
      }
    } catch (error) {
      if (error instanceof TokenRefusedError) return refused()
      result.textContent = `Refused${error instanceof AdminApiError ? ` (${error.status})` : ''}: ${error.message}`
    }
  }
  dialog.showModal()
}

// --- start

$('filter').addEventListener('change', renderRecent)
window.addEventListener('resize', () => state.startedAt > 0 && renderGraph())
setInterval(() => {
  if (state.startedAt === 0) return
  renderRates()
  if ([...state.lit.values()].some((at) => Date.now() - at < LIT_MS + 1000)) renderGraph() // the light fades
}, 1000)

void gate('The dashboard uses the admin API with its bearer token (config admin.token).', open, '/peers')
