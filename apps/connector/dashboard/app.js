// The dashboard: the read endpoints once, then kept live by GET /events. Every text goes in
// through textContent (never innerHTML): peer ids and reasons are the operator's data.
import { AdminApiError, call, readEvents, token, TokenRefusedError } from './api.js'

const $ = (id) => document.getElementById(id)
const RECENT = 200 // the rolling list's length
const WINDOW_MS = 10_000 // packets/s and value/s: over the last ten seconds

const state = { peers: [], balances: {}, settlement: {}, routes: [], recent: [], window: [], rejects: {}, startedAt: 0 }
let stream

/** An amount in units of `scale` (a string of digits, maybe negative) as a decimal: "-1234", 2 → "-12.34". */
function decimal(units, scale) {
  const negative = units.startsWith('-')
  const digits = (negative ? units.slice(1) : units).padStart(scale + 1, '0')
  const whole = digits.slice(0, digits.length - scale)
  return `${negative ? '-' : ''}${whole}${scale > 0 ? `.${digits.slice(digits.length - scale)}` : ''}`
}

const assetOf = (id) => state.peers.find((peer) => peer.id === id)?.asset
const money = (units, peerId) => {
  const asset = assetOf(peerId)
  return asset === undefined ? `${units} units` : `${decimal(units, asset.scale)} ${asset.code}`
}

function element(tag, text, className) {
  const node = document.createElement(tag)
  if (text !== undefined) node.textContent = text
  if (className !== undefined) node.className = className
  return node
}

function row(cells) {
  const tr = document.createElement('tr')
  for (const cell of cells) {
    const td = document.createElement('td')
    if (cell instanceof Node) td.append(cell)
    else td.textContent = cell
    tr.append(td)
  }
  return tr
}

function show(view) {
  for (const id of ['login', 'refused', 'board']) $(id).hidden = id !== view
  if (view === 'login') $('token').focus()
  if (view === 'refused') $('retry').focus()
}

function refused() {
  stream?.abort()
  token.clear()
  $('stream').textContent = 'token refused'
  show('refused')
}

// --- rendering

function renderPeers() {
  const body = $('peers').tBodies[0]
  body.replaceChildren(
    ...state.peers.map((peer) => {
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
      // The balance first after the peer: at a phone's width the rest scrolls sideways.
      const tr = row([peer.id, money(balance, peer.id), limits.join(', ') || 'none', element('span', peer.state, `state ${peer.state}`), peer.relation, peer.transport, state.settlement[peer.id]?.kind ?? 'none', actions])
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
}

function renderRoutes() {
  $('routes').tBodies[0].replaceChildren(...state.routes.map((route) => row([route.prefix, route.nextHop || '(this node)', route.path.join(' → ') || '—', route.source])))
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
    remember(data)
    renderRates()
  } else if (type === 'settlement') {
    remember(data)
    void loadPeers().catch(failed) // the channel's state moved with it
  } else if (type === 'balance') {
    state.balances[data.peer] = { ...state.balances[data.peer], balance: data.balance }
    // The one cell only: rebuilding the rows would take the keyboard focus off an action button.
    const tr = [...$('peers').tBodies[0].rows].find((r) => r.dataset.peer === data.peer)
    if (tr === undefined) renderPeers()
    else tr.cells[1].textContent = money(data.balance, data.peer)
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
    await Promise.all([loadPeers(), loadRoutes()]).catch(failed)
  }
}

async function open() {
  try {
    const health = await fetch('/health').then((res) => res.json())
    $('address').textContent = health.address
    state.startedAt = Date.now() - health.uptimeSeconds * 1000
    await Promise.all([loadPeers(), loadRoutes()])
  } catch (error) {
    return failed(error)
  }
  show('board')
  renderRates()
  stream = new AbortController()
  void follow(stream.signal)
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

$('login').addEventListener('submit', (event) => {
  event.preventDefault()
  token.set($('token').value)
  $('token').value = ''
  void open()
})
$('retry').addEventListener('click', () => show('login'))
$('filter').addEventListener('change', renderRecent)
setInterval(() => state.startedAt > 0 && renderRates(), 1000)

if (token.get() === null) show('login')
else void open()
