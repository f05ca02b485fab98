import { describe } from 'vitest'
import { ledgerTests, paymentChannelTests } from '@stack/ledger-core/compliance'
import { sqliteHarness, type SqliteHarness } from './fixtures/harness.js'

// Every test ends with an audit of the journal (teardown throws if it finds a problem).
describe('in a file (WAL)', () => {
  ledgerTests({
    setup: async () => sqliteHarness('file'),
    teardown: async (harness) => (harness as SqliteHarness).dispose()
  })
  paymentChannelTests({
    setup: async () => sqliteHarness('file'),
    teardown: async (harness) => (harness as SqliteHarness).dispose()
  })
})

describe('in memory', () => {
  ledgerTests({
    setup: async () => sqliteHarness('memory'),
    teardown: async (harness) => (harness as SqliteHarness).dispose()
  })
})
