import { describe, expect, it } from 'vitest'
import { engines, freshPeer, serverAndClient } from './servers.js'

// PostgreSQL's batches go as a prepared statement, planned once per connection. An instance
// starting later re-creates the schema's functions (CREATE OR REPLACE) under the running ones:
// their prepared statements must go on working, with no op lost or counted twice.
const postgres = engines.filter((engine) => engine.name === 'postgres')

describe.each(postgres)('$name: batches prepared on a connection', (engine) => {
  const { server, store } = serverAndClient(engine)

  it('go on after another instance re-creates the schema, and book every op once', async () => {
    const payer = freshPeer('payer')
    const payee = freshPeer('payee')
    const packet = async (): Promise<void> => {
      const hold = await store().reserve(payer, -10n, -1_000_000n, new Date(Date.now() + 30_000))
      const credit = await store().reserve(payee, 10n)
      expect(await hold.commit()).toBe(true)
      expect(await credit.commit()).toBe(true)
    }
    // Both connections (the default two) have prepared it: batches out two at a time.
    await Promise.all(Array.from({ length: 64 }, packet))
    const later = await engine.open(server())
    try {
      await Promise.all(Array.from({ length: 64 }, packet))
      await Promise.all(Array.from({ length: 64 }, async () => {
        const hold = await later.reserve(payer, -10n, -1_000_000n)
        expect(await hold.commit()).toBe(true)
      }))
    } finally {
      await later.close()
    }
    const audit = await store().audit()
    expect(audit.find((row) => row.peerId === payer)).toMatchObject({ balance: -1_920n, journalSum: -1_920n, journalRows: 192 })
    expect(audit.find((row) => row.peerId === payee)).toMatchObject({ balance: 1_280n, journalSum: 1_280n, journalRows: 128 })
    expect([...(await store().holds()).values()].filter(([peer]) => peer === payer || peer === payee)).toEqual([])
  })
})
