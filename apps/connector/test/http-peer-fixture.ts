import { join } from 'node:path'
import { openPostgresBalanceStore } from '@stack/ilp-shared-balances'
import { SqliteLedger } from '@stack/ledger-sqlite'
import type { ConnectorNode } from '../src/node.js'
import { node } from './harness.js'

// carol (test.carol), a connector of her own and an ILP-over-HTTP peer of a cluster (the node,
// behind a load balancer), settling with it on a sqlite payment channel; dave is her child (BTP).

export const USD2 = { code: 'USD', scale: 2 }

/** A ledger file with the node's and carol's accounts, each minted what `minted` says. */
export async function sqliteLedger(file: string, minted: { node: bigint; carol: bigint }): Promise<void> {
  const ledger = SqliteLedger.create(file, { asset: USD2 })
  for (const [account, amount] of Object.entries(minted)) {
    await ledger.createAccount(account)
    if (amount > 0n) await ledger.mint({ account, amount })
  }
  ledger.close()
}

export interface CarolOptions {
  dir: string
  ledgerFile: string
  /** The node's load balancer (she POSTs there). */
  lbPort: number
  tokens: { carolIn: string; carolOut: string; dave: string }
  /** Fields of her peer `node` beyond the link (a deposit and threshold to pay the node, routes). */
  node?: Record<string, unknown>
  settlement?: Record<string, unknown>
  routes?: { prefix: string; peer: string }[]
}

export function startCarol(o: CarolOptions): Promise<ConnectorNode> {
  return node({
    address: 'test.carol',
    asset: USD2,
    listen: { http: { port: 0 }, btp: { port: 0 } },
    balances: { store: 'memory' },
    peers: [
      {
        id: 'node', relation: 'peer', sendRoutes: false, receiveRoutes: false,
        http: { url: `http://127.0.0.1:${o.lbPort}/ilp`, token: o.tokens.carolOut, incomingToken: o.tokens.carolIn },
        ...o.node,
        settlement: { kind: 'sqlite', ledger: o.ledgerFile, account: 'carol', peerAccount: 'node', claims: join(o.dir, 'carol.claims'), watchIntervalMs: 50, ...o.settlement },
      },
      { id: 'dave', relation: 'child', btp: { token: o.tokens.dave } },
    ],
    ...(o.routes === undefined ? {} : { routes: o.routes }),
  })
}

/** The store's own balances and journal sums, by peer (not an instance's view of them). */
export async function audited(url: string): Promise<Record<string, { balance: bigint; journalSum: bigint }>> {
  const store = await openPostgresBalanceStore({ url, expireEveryMs: 0, refreshEveryMs: 0 })
  try {
    return Object.fromEntries((await store.audit()).map((a) => [a.peerId, { balance: a.balance, journalSum: a.journalSum }]))
  } finally {
    await store.close()
  }
}
