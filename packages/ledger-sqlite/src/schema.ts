/**
 * The tables of a ledger file. Amounts are decimal TEXT, handled as bigint in code: an
 * INTEGER column is a signed 64-bit value and cannot hold every UInt64 amount, nor the
 * issuance account's balance once more than 2^63 units are minted.
 *
 * Double entry: every movement of value is one `entries` row with postings that sum to zero
 * (negative = debit). `accounts.balance` is the sum of the account's postings, updated in the
 * same transaction; `SqliteLedger.audit()` checks that it is.
 */
export const SCHEMA_VERSION = '1'

/** The account every mint is debited from: its balance is minus everything ever issued. */
export const ISSUANCE_ACCOUNT = '@issuance'
/** The account that holds the funds locked in payment channels. */
export const CHANNELS_ACCOUNT = '@channels'

export const schema = `
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('user', 'issuance', 'escrow')),
  balance TEXT NOT NULL,
  -- NULL: no limit (the issuance account only)
  credit_limit TEXT,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE entries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('transfer', 'mint', 'channel-create', 'channel-fund', 'channel-claim', 'channel-close')),
  channel_id TEXT REFERENCES channels(id),
  memo TEXT,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE postings (
  entry_id INTEGER NOT NULL REFERENCES entries(id),
  account_id TEXT NOT NULL REFERENCES accounts(id),
  amount TEXT NOT NULL
) STRICT;
CREATE INDEX postings_by_account ON postings (account_id);
CREATE INDEX postings_by_entry ON postings (entry_id);

CREATE TABLE idempotency (
  key TEXT PRIMARY KEY,
  operation TEXT NOT NULL,
  request TEXT NOT NULL,
  result TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE channels (
  id TEXT PRIMARY KEY,
  sender TEXT NOT NULL REFERENCES accounts(id),
  receiver TEXT NOT NULL REFERENCES accounts(id),
  public_key BLOB NOT NULL,
  deposit TEXT NOT NULL,
  claimed TEXT NOT NULL,
  settle_delay_ms INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'closing', 'closed')),
  closes_at INTEGER,
  created_at INTEGER NOT NULL,
  closed_at INTEGER
) STRICT;
`
