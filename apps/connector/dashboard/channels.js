// The peers' settlement channels (GET /peers/<id>/channel): per channel its direction, id,
// deposit, the latest claim, what the ledger paid out (redeemed) and its status; beside them the
// kind's own ids (a contract, our and the peer's addresses or node ids).
import { element, row, shortId } from './format.js'

/**
 * The kind's scalar fields other than the amounts and channels shown in columns (contract,
 * addresses, node ids), and the latest transactions it sent (ethereum: action and hash).
 */
function ids(state) {
  const skip = new Set(['kind', 'channels', 'outgoing', 'incoming', 'carry', 'sent', 'received'])
  const list = element('div', undefined, 'ids')
  for (const [key, value] of Object.entries(state)) {
    if (skip.has(key) || (typeof value !== 'string' && typeof value !== 'number')) continue
    list.append(element('span', `${key} `, 'muted'), shortId(String(value)), ' ')
  }
  for (const { action, hash } of Array.isArray(state.transactions) ? state.transactions : []) list.append(element('span', `tx ${action} `, 'muted'), shortId(hash), ' ')
  return list
}

/**
 * A Lightning channel of our node (lightning-node's ChannelInfo): its capacity for the deposit,
 * what we may send and receive on it for the claims, its funding transaction among the ids.
 */
function lightningRow(peer, state, channel, money) {
  const status = channel.usable ? 'usable' : channel.ready ? 'ready' : 'opening'
  const known = ids(state)
  if (channel.fundingTxid !== undefined && channel.fundingTxid !== null) known.prepend(element('span', 'funding tx ', 'muted'), shortId(channel.fundingTxid), ' ')
  const totals = `sent ${money(String(state.sent ?? '0'), peer)}, received ${money(String(state.received ?? '0'), peer)}`
  const tr = row([peer, state.kind, 'both', shortId(channel.channelId), `${channel.valueSats} sat`, `out ${channel.outboundMsat} msat, in ${channel.inboundMsat} msat`, totals, status, known])
  tr.dataset.peer = peer
  tr.dataset.channel = channel.channelId
  return tr
}

/** Rows for `#channels`: one per channel of each peer; kinds without claim channels (lightning) show their totals. */
export function channelRows(states, money) {
  return Object.entries(states).flatMap(([peer, state]) => {
    if (state.error !== undefined) return [row([peer, state.kind ?? '—', '—', '—', '—', '—', '—', state.error, '—'])]
    if (state.channels === undefined) {
      const totals = `sent ${money(String(state.sent ?? '0'), peer)}, received ${money(String(state.received ?? '0'), peer)}`
      return [row([peer, state.kind, 'both', '—', '—', totals, '—', '—', ids(state)])]
    }
    if (state.channels.length === 0) return [row([peer, state.kind, '—', 'no channel yet', '—', '—', '—', '—', ids(state)])]
    return state.channels.map((channel) => {
      if (channel.direction === undefined) return lightningRow(peer, state, channel, money)
      const tr = row([
        peer,
        state.kind,
        channel.direction === 'outgoing' ? 'ours → peer' : 'peer → ours',
        shortId(channel.channelId),
        channel.ledger === undefined ? '—' : money(channel.ledger.deposit, peer),
        money(channel.claimed, peer),
        channel.ledger === undefined ? '—' : money(channel.ledger.redeemed, peer),
        channel.ledger?.status ?? channel.unreadable ?? 'not on the ledger',
        ids(state),
      ])
      tr.dataset.peer = peer
      tr.dataset.channel = channel.channelId
      return tr
    })
  })
}
