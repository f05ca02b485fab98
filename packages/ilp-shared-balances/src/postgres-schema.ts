/**
 * The PostgreSQL schema and its two functions. A batch is one call of stack_balance_apply: one
 * statement, one transaction, one WAL flush at commit (synchronous_commit=on: durable when it
 * answers). Amounts are numeric(40,0): UInt64 and the sums of them fit.
 *
 * Deadlocks: a batch locks the accounts it touches, in peer order, before it reads or writes any
 * (and the sweep does the same), so two batches never wait on each other in a cycle.
 * The journal's `at` is the clock at the row's insert; its `seq` orders rows within a batch.
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS stack_balance_account (
  peer text PRIMARY KEY,
  balance numeric(40,0) NOT NULL DEFAULT 0,
  pending_debit numeric(40,0) NOT NULL DEFAULT 0 CHECK (pending_debit <= 0),
  pending_credit numeric(40,0) NOT NULL DEFAULT 0 CHECK (pending_credit >= 0),
  settled_sent numeric(40,0),
  settled_received numeric(40,0)
);
CREATE TABLE IF NOT EXISTS stack_balance_hold (
  id text PRIMARY KEY,
  peer text NOT NULL,
  delta numeric(40,0) NOT NULL,
  expires_at timestamptz
);
CREATE INDEX IF NOT EXISTS stack_balance_hold_expiry ON stack_balance_hold (expires_at) WHERE expires_at IS NOT NULL;
-- Append-only: every committed change of a balance.
CREATE TABLE IF NOT EXISTS stack_balance_journal (
  seq bigserial PRIMARY KEY,
  peer text NOT NULL,
  delta numeric(40,0) NOT NULL,
  kind text NOT NULL,
  hold text,
  reason text,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  released numeric(40,0),
  CONSTRAINT stack_balance_journal_kind_check CHECK (kind IN ('packet', 'value', 'adjustment', 'recovery'))
);
-- A journal of an earlier version: the recovery rows' column and kind (the check replaced only then: it reads every row).
ALTER TABLE stack_balance_journal ADD COLUMN IF NOT EXISTS released numeric(40,0);
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'stack_balance_journal_kind_check' AND pg_get_constraintdef(oid) LIKE '%recovery%') THEN
    ALTER TABLE stack_balance_journal DROP CONSTRAINT IF EXISTS stack_balance_journal_kind_check,
      ADD CONSTRAINT stack_balance_journal_kind_check CHECK (kind IN ('packet', 'value', 'adjustment', 'recovery'));
  END IF;
END $$;

CREATE OR REPLACE FUNCTION stack_balance_apply(ops jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  op jsonb;
  i integer;
  d numeric;
  ok boolean;
  added jsonb;
  held jsonb;
  stale jsonb;
  s jsonb;
  -- The batch's accounts, locked, worked on here and written once at the end: updating one row
  -- hundreds of times in a transaction would leave as many row versions to walk past.
  peers text[]; bal numeric[]; pd numeric[]; pc numeric[]; ss numeric[]; sr numeric[];
  h_id text[] := '{}'; h_peer text[] := '{}'; h_delta numeric[] := '{}'; h_exp timestamptz[] := '{}';
  j_peer text[] := '{}'; j_delta numeric[] := '{}'; j_kind text[] := '{}'; j_hold text[] := '{}'; j_reason text[] := '{}'; j_released numeric[] := '{}';
  results jsonb[] := '{}';
BEGIN
  INSERT INTO stack_balance_account (peer)
    SELECT DISTINCT x->>'p' FROM jsonb_array_elements(ops) x ORDER BY 1 ON CONFLICT DO NOTHING;
  SELECT array_agg(peer), array_agg(balance), array_agg(pending_debit), array_agg(pending_credit), array_agg(settled_sent), array_agg(settled_received)
    INTO peers, bal, pd, pc, ss, sr
    FROM (SELECT * FROM stack_balance_account WHERE peer IN (SELECT x->>'p' FROM jsonb_array_elements(ops) x) ORDER BY peer FOR UPDATE) locked;
  -- The holds this batch resolves (never one it makes: a hold is resolved after its reserve answered).
  WITH gone AS (
    DELETE FROM stack_balance_hold h USING jsonb_array_elements(ops) x
      WHERE x->>'o' IN ('commit', 'release') AND h.id = x->>'id' AND h.peer = x->>'p' RETURNING h.id, h.delta)
  SELECT coalesce(jsonb_object_agg(id, delta::text), '{}'::jsonb) INTO held FROM gone;
  FOR op IN SELECT * FROM jsonb_array_elements(ops) LOOP
    i := array_position(peers, op->>'p');
    ok := true;
    added := NULL;
    stale := NULL;
    CASE op->>'o'
    WHEN 'reserve' THEN
      d := (op->>'d')::numeric;
      IF d < 0 AND op->>'min' IS NOT NULL AND bal[i] + pd[i] + d < (op->>'min')::numeric THEN
        ok := false;
      ELSE
        h_id := h_id || (op->>'id'); h_peer := h_peer || (op->>'p'); h_delta := h_delta || d;
        h_exp := h_exp || CASE WHEN op->>'expires' IS NULL THEN NULL ELSE to_timestamp((op->>'expires')::numeric / 1000) END;
        IF d < 0 THEN pd[i] := pd[i] + d; ELSE pc[i] := pc[i] + d; END IF;
      END IF;
    WHEN 'commit', 'release' THEN
      IF held->>(op->>'id') IS NULL THEN
        ok := false;
      ELSE
        d := (held->>(op->>'id'))::numeric;
        IF d < 0 THEN pd[i] := pd[i] - d; ELSE pc[i] := pc[i] - d; END IF;
        IF op->>'o' = 'commit' AND d <> 0 THEN
          bal[i] := bal[i] + d;
          j_peer := j_peer || (op->>'p'); j_delta := j_delta || d; j_kind := j_kind || 'packet'::text; j_hold := j_hold || (op->>'id'); j_reason := j_reason || NULL::text; j_released := j_released || NULL::numeric;
        END IF;
      END IF;
    WHEN 'credit' THEN
      d := (op->>'d')::numeric;
      bal[i] := bal[i] + d;
      j_peer := j_peer || (op->>'p'); j_delta := j_delta || d; j_kind := j_kind || 'packet'::text; j_hold := j_hold || (op->>'id'); j_reason := j_reason || NULL::text; j_released := j_released || NULL::numeric;
    WHEN 'adjust' THEN
      d := (op->>'d')::numeric;
      IF d <> 0 THEN
        bal[i] := bal[i] + d;
        j_peer := j_peer || (op->>'p'); j_delta := j_delta || d; j_hold := j_hold || NULL::text; j_reason := j_reason || (op->>'reason'); j_released := j_released || NULL::numeric;
        j_kind := j_kind || CASE WHEN op->>'reason' IS NULL THEN 'value' ELSE 'adjustment' END;
      END IF;
    WHEN 'adopt' THEN
      IF ss[i] IS NOT NULL THEN
        ok := false;
      ELSE
        ss[i] := (op->>'sent')::numeric; sr[i] := (op->>'received')::numeric;
      END IF;
    WHEN 'apply' THEN
      IF (op->>'sent')::numeric < coalesce(ss[i], 0) OR (op->>'received')::numeric < coalesce(sr[i], 0) THEN
        ok := false;
      ELSE
        added := jsonb_build_array(((op->>'sent')::numeric - coalesce(ss[i], 0))::text, ((op->>'received')::numeric - coalesce(sr[i], 0))::text);
        d := (added->>1)::numeric - (added->>0)::numeric;
        ss[i] := (op->>'sent')::numeric; sr[i] := (op->>'received')::numeric;
        IF d <> 0 THEN
          bal[i] := bal[i] + d;
          j_peer := j_peer || (op->>'p'); j_delta := j_delta || d; j_kind := j_kind || 'value'::text; j_hold := j_hold || NULL::text; j_reason := j_reason || NULL::text; j_released := j_released || NULL::numeric;
        END IF;
      END IF;
    WHEN 'stale' THEN
      -- Never a hold of this batch: those are this run's (inserted at the end), and kept.
      IF (op->>'release')::boolean THEN
        WITH gone AS (DELETE FROM stack_balance_hold
            WHERE peer = op->>'p' AND expires_at IS NULL AND NOT starts_with(id, op->>'keep') RETURNING id, delta)
        SELECT coalesce(jsonb_agg(jsonb_build_array(id, delta::text) ORDER BY id), '[]'::jsonb) INTO stale FROM gone;
        FOR s IN SELECT * FROM jsonb_array_elements(stale) LOOP
          d := (s->>1)::numeric;
          IF d < 0 THEN pd[i] := pd[i] - d; ELSE pc[i] := pc[i] - d; END IF;
          j_peer := j_peer || (op->>'p'); j_delta := j_delta || 0::numeric; j_kind := j_kind || 'recovery'::text; j_hold := j_hold || (s->>0); j_reason := j_reason || NULL::text; j_released := j_released || d;
        END LOOP;
      ELSE
        SELECT coalesce(jsonb_agg(jsonb_build_array(id, delta::text) ORDER BY id), '[]'::jsonb) INTO stale
          FROM stack_balance_hold WHERE peer = op->>'p' AND expires_at IS NULL AND NOT starts_with(id, op->>'keep');
      END IF;
    ELSE
      RAISE EXCEPTION 'unknown balance op %', op->>'o';
    END CASE;
    results := results || jsonb_build_object(
      'ok', ok, 'balance', bal[i]::text, 'pendingDebit', pd[i]::text, 'pendingCredit', pc[i]::text,
      'settled', CASE WHEN ss[i] IS NULL THEN NULL ELSE jsonb_build_array(ss[i]::text, sr[i]::text) END,
      'added', added, 'stale', stale);
  END LOOP;
  INSERT INTO stack_balance_hold (id, peer, delta, expires_at) SELECT * FROM unnest(h_id, h_peer, h_delta, h_exp);
  INSERT INTO stack_balance_journal (peer, delta, kind, hold, reason, released) SELECT * FROM unnest(j_peer, j_delta, j_kind, j_hold, j_reason, j_released);
  UPDATE stack_balance_account a SET balance = u.b, pending_debit = u.pd, pending_credit = u.pc, settled_sent = u.ss, settled_received = u.sr
    FROM unnest(peers, bal, pd, pc, ss, sr) AS u(peer, b, pd, pc, ss, sr) WHERE a.peer = u.peer;
  RETURN to_jsonb(results);
END $$;

CREATE OR REPLACE FUNCTION stack_balance_expire(grace_ms bigint) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  cutoff timestamptz := now() - grace_ms * interval '1 millisecond';
  n integer;
BEGIN
  PERFORM 1 FROM stack_balance_account
    WHERE peer IN (SELECT peer FROM stack_balance_hold WHERE expires_at < cutoff) ORDER BY peer FOR UPDATE;
  WITH gone AS (DELETE FROM stack_balance_hold WHERE expires_at < cutoff RETURNING peer, delta),
  sums AS (SELECT peer, sum(least(delta, 0)) AS debit, sum(greatest(delta, 0)) AS credit, count(*) AS n FROM gone GROUP BY peer),
  done AS (UPDATE stack_balance_account a SET pending_debit = a.pending_debit - s.debit, pending_credit = a.pending_credit - s.credit
    FROM sums s WHERE a.peer = s.peer RETURNING s.n)
  SELECT coalesce(sum(done.n), 0) INTO n FROM done;
  RETURN n;
END $$;
`
