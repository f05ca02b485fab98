/**
 * The Lua scripts of the Redis store. Redis runs a script alone (no other client's command in
 * between): a batch is one EVALSHA, atomic, and with `appendfsync always` on disk before its
 * reply (Redis fsyncs the AOF once per event-loop turn, before it answers the clients of the
 * turn: a pipeline of batches shares one fsync).
 *
 * Amounts are decimal strings and the arithmetic is done on them here, in base-10⁹ limbs: Lua's
 * numbers are doubles (exact to 2⁵³ only), and Redis's own integers are 64-bit signed, where a
 * UInt64 amount does not fit. Amounts below 10¹⁵ (most) are added as doubles, exactly.
 *
 * Keys, all under the hash tag `{ns}` (one slot, so a Redis Cluster keeps them on one node):
 *   {ns}:a:<peer>  hash b, pd, pc (balance, pending debit, pending credit), ss, sr (settled totals)
 *   {ns}:peers     set of peers
 *   {ns}:h         hash hold id → JSON [peer, delta]
 *   {ns}:exp       sorted set hold id by expiry (epoch ms)
 *   {ns}:j         stream: the journal (p peer, d delta, k kind, h hold, r reason, x released)
 */
const DECIMAL = `
local B = 1000000000
local function limbs(a)
  local t, i = {}, #a
  while i > 0 do t[#t + 1] = tonumber(string.sub(a, math.max(1, i - 8), i)); i = i - 9 end
  return t
end
local function unlimb(t)
  local n = #t
  while n > 1 and t[n] == 0 do n = n - 1 end
  local s = tostring(t[n])
  for k = n - 1, 1, -1 do s = s .. string.format('%09d', t[k]) end
  return s
end
local function cmp_abs(a, b)
  if #a ~= #b then return #a < #b and -1 or 1 end
  if a == b then return 0 end
  return a < b and -1 or 1
end
local function add_abs(a, b)
  local x, y, out, carry = limbs(a), limbs(b), {}, 0
  for k = 1, math.max(#x, #y) do
    local s = (x[k] or 0) + (y[k] or 0) + carry
    out[k] = s % B; carry = math.floor(s / B)
  end
  if carry > 0 then out[#out + 1] = carry end
  return unlimb(out)
end
local function sub_abs(a, b)
  local x, y, out, borrow = limbs(a), limbs(b), {}, 0
  for k = 1, #x do
    local s = x[k] - (y[k] or 0) - borrow
    if s < 0 then s = s + B; borrow = 1 else borrow = 0 end
    out[k] = s
  end
  return unlimb(out)
end
local function split(v)
  if string.sub(v, 1, 1) == '-' then return -1, string.sub(v, 2) end
  return 1, v
end
local function add(a, b)
  -- Both below 10^15 (the sign counts as a digit here): their sum is exact in a double.
  if #a <= 15 and #b <= 15 then return string.format('%d', tonumber(a) + tonumber(b)) end
  local sa, ma = split(a)
  local sb, mb = split(b)
  local r, s
  if sa == sb then r, s = add_abs(ma, mb), sa
  else
    local c = cmp_abs(ma, mb)
    if c == 0 then return '0' end
    if c > 0 then r, s = sub_abs(ma, mb), sa else r, s = sub_abs(mb, ma), sb end
  end
  if r == '0' then return '0' end
  return s < 0 and ('-' .. r) or r
end
local function neg(a)
  if a == '0' then return '0' end
  if string.sub(a, 1, 1) == '-' then return string.sub(a, 2) end
  return '-' .. a
end
local function sign(a)
  if a == '0' then return 0 end
  return string.sub(a, 1, 1) == '-' and -1 or 1
end
local function is_amount(a)
  return type(a) == 'string' and (a == '0' or string.match(a, '^-?[1-9]%d*$') ~= nil)
end
`

/** KEYS[1] the namespace; ARGV[1] the ops (JSON, ops.ts); returns the results (JSON). */
export const APPLY = `${DECIMAL}
local ns = KEYS[1]
local ops = cjson.decode(ARGV[1])
local accounts, order = {}, {}
local function account(p)
  local a = accounts[p]
  if a == nil then
    local v = redis.call('HMGET', ns .. ':a:' .. p, 'b', 'pd', 'pc', 'ss', 'sr')
    a = { b = v[1] or '0', pd = v[2] or '0', pc = v[3] or '0', ss = v[4] or nil, sr = v[5] or nil }
    accounts[p] = a
    order[#order + 1] = p
  end
  return a
end
local function journal(p, d, kind, hold, reason, released)
  local fields = { 'p', p, 'd', d, 'k', kind }
  if hold then fields[#fields + 1] = 'h'; fields[#fields + 1] = hold end
  if reason then fields[#fields + 1] = 'r'; fields[#fields + 1] = reason end
  if released then fields[#fields + 1] = 'x'; fields[#fields + 1] = released end
  redis.call('XADD', ns .. ':j', '*', unpack(fields))
end
local function amount(v)
  if not is_amount(v) then error('not an amount: ' .. tostring(v)) end
  return v
end
local results = {}
for n, op in ipairs(ops) do
  local a = account(op.p)
  local ok, added, stale = true, cjson.null, cjson.null
  if op.o == 'reserve' then
    local d = amount(op.d)
    if redis.call('HEXISTS', ns .. ':h', op.id) == 1 then
      -- made already (a batch sent again): nothing more to hold
    elseif sign(d) < 0 and op.min ~= cjson.null and sign(add(add(add(a.b, a.pd), d), neg(amount(op.min)))) < 0 then
      ok = false
    else
      redis.call('HSET', ns .. ':h', op.id, cjson.encode({ op.p, d }))
      if op.expires ~= cjson.null then redis.call('ZADD', ns .. ':exp', op.expires, op.id) end
      if sign(d) < 0 then a.pd = add(a.pd, d) else a.pc = add(a.pc, d) end
    end
  elseif op.o == 'commit' or op.o == 'release' then
    local v = redis.call('HGET', ns .. ':h', op.id)
    local hold = v and cjson.decode(v)
    if not hold or hold[1] ~= op.p then
      ok = false
    else
      local d = hold[2]
      redis.call('HDEL', ns .. ':h', op.id)
      redis.call('ZREM', ns .. ':exp', op.id)
      if sign(d) < 0 then a.pd = add(a.pd, neg(d)) else a.pc = add(a.pc, neg(d)) end
      if op.o == 'commit' and d ~= '0' then
        a.b = add(a.b, d)
        journal(op.p, d, 'packet', op.id, nil)
      end
    end
  elseif op.o == 'credit' then
    local d = amount(op.d)
    a.b = add(a.b, d)
    journal(op.p, d, 'packet', op.id, nil)
  elseif op.o == 'adjust' then
    local d = amount(op.d)
    if d ~= '0' then
      a.b = add(a.b, d)
      if op.reason == cjson.null then journal(op.p, d, 'value', nil, nil) else journal(op.p, d, 'adjustment', nil, op.reason) end
    end
  elseif op.o == 'adopt' then
    if a.ss then ok = false else a.ss = amount(op.sent); a.sr = amount(op.received) end
  elseif op.o == 'apply' then
    local dsent = add(amount(op.sent), neg(a.ss or '0'))
    local drecv = add(amount(op.received), neg(a.sr or '0'))
    if sign(dsent) < 0 or sign(drecv) < 0 then
      ok = false
    else
      added = { dsent, drecv }
      a.ss = op.sent; a.sr = op.received
      local d = add(drecv, neg(dsent))
      if d ~= '0' then
        a.b = add(a.b, d)
        journal(op.p, d, 'value', nil, nil)
      end
    end
  elseif op.o == 'stale' then
    -- Every pending hold is read (no index by peer): rare, once per settlement lease taken.
    stale = {}
    local all = redis.call('HGETALL', ns .. ':h')
    for k = 1, #all, 2 do
      local id = all[k]
      local hold = cjson.decode(all[k + 1])
      if hold[1] == op.p and string.sub(id, 1, #op.keep) ~= op.keep and not redis.call('ZSCORE', ns .. ':exp', id) then
        stale[#stale + 1] = { id, hold[2] }
      end
    end
    table.sort(stale, function(x, y) return x[1] < y[1] end)
    if op.release then
      for _, h in ipairs(stale) do
        redis.call('HDEL', ns .. ':h', h[1])
        if sign(h[2]) < 0 then a.pd = add(a.pd, neg(h[2])) else a.pc = add(a.pc, neg(h[2])) end
        journal(op.p, '0', 'recovery', h[1], nil, h[2])
      end
    end
  else
    error('unknown balance op ' .. tostring(op.o))
  end
  local settled = cjson.null
  if a.ss then settled = { a.ss, a.sr } end
  results[n] = { ok = ok, balance = a.b, pendingDebit = a.pd, pendingCredit = a.pc, settled = settled, added = added, stale = stale }
end
for _, p in ipairs(order) do
  local a = accounts[p]
  if a.ss then
    redis.call('HSET', ns .. ':a:' .. p, 'b', a.b, 'pd', a.pd, 'pc', a.pc, 'ss', a.ss, 'sr', a.sr)
  else
    redis.call('HSET', ns .. ':a:' .. p, 'b', a.b, 'pd', a.pd, 'pc', a.pc)
  end
  redis.call('SADD', ns .. ':peers', p)
end
return cjson.encode(results)
`

/** KEYS[1] the namespace; ARGV[1] grace ms. Releases holds whose expiry is that far past (by the server's clock); how many. */
export const EXPIRE = `${DECIMAL}
local ns = KEYS[1]
local t = redis.call('TIME')
local cutoff = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', ns .. ':exp', '-inf', cutoff, 'LIMIT', 0, 10000)
for _, id in ipairs(ids) do
  local v = redis.call('HGET', ns .. ':h', id)
  if v then
    local hold = cjson.decode(v)
    local key = ns .. ':a:' .. hold[1]
    local field = sign(hold[2]) < 0 and 'pd' or 'pc'
    redis.call('HSET', key, field, add(redis.call('HGET', key, field) or '0', neg(hold[2])))
    redis.call('HDEL', ns .. ':h', id)
  end
  redis.call('ZREM', ns .. ':exp', id)
end
return #ids
`

/** KEYS[1] the namespace; every account as [peer, b, pd, pc, ss, sr], read at one instant. */
export const ACCOUNTS = `
local ns = KEYS[1]
local out = {}
for _, p in ipairs(redis.call('SMEMBERS', ns .. ':peers')) do
  local v = redis.call('HMGET', ns .. ':a:' .. p, 'b', 'pd', 'pc', 'ss', 'sr')
  out[#out + 1] = { p, v[1] or '0', v[2] or '0', v[3] or '0', v[4] or '', v[5] or '' }
end
return out
`
