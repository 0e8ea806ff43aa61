/**
 * The Redis budget's one script: every reservation and every settlement is a single EVALSHA,
 * so the RPM and TPM buckets of all processes sharing a provider key move together and a
 * reservation can never read one bucket and miss the other's concurrent change. The rules are
 * those of token-bucket.ts, line for line; the contract test runs both against the same cases.
 *
 * Time is Redis's own `TIME`, so processes on different machines agree on it (scripts are
 * replicated by effect since Redis 5, which makes `TIME` safe); tests pass a clock instead.
 * Numbers go out as strings with 17 significant digits: Lua's default formatting keeps 14,
 * which would round epoch milliseconds.
 *
 * KEYS: 1 requests bucket (hash), 2 tokens bucket (hash), 3 pause (string, epoch ms)
 * ARGV: 1 op (reserve | settle | peek), 2 now ms or '' for TIME, 3 periodMs, 4 depthMs,
 *       5 safety, 6 share, 7 configured RPM or '', 8 configured TPM or '', 9 key TTL ms,
 *   reserve: 10 requests, 11 tokens
 *   settle:  10 delta requests, 11 delta tokens ('' = none),
 *            12 limit requests, 13 limit tokens, 14 remaining requests, 15 remaining tokens,
 *            16 age of the headers in ms, 17 mark requests, 18 mark tokens ('' = no observation),
 *            19 pause for ms ('' = none), 20 drain ('1' = yes)
 * Returns: reserve -> {'ok', now, chargedRequests, chargedTokens, VIEW}
 *                  | {'wait', reason, waitMs, VIEW} | {'too-large', bucket, limit, VIEW}
 *          settle, peek -> {'view', VIEW}
 *   VIEW = requestsLimit, requestsLevel, tokensLimit, tokensLevel, pausedForMs ('' = unknown)
 */
export const REDIS_BUDGET_SCRIPT = String.raw`
local function num(s)
  if s == nil or s == false or s == '' then return nil end
  return tonumber(s)
end
local function str(x)
  if x == nil then return '' end
  return string.format('%.17g', x)
end

local now = num(ARGV[2])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end
local period, depth = tonumber(ARGV[3]), tonumber(ARGV[4])
local safety, share = tonumber(ARGV[5]), tonumber(ARGV[6])
local ttl = tonumber(ARGV[9])

local function load(key, configured)
  local h = redis.call('HMGET', key, 'level', 'at', 'charged', 'learned')
  return { key = key, configured = configured, level = num(h[1]), at = num(h[2]) or now, charged = num(h[3]) or 0, learned = num(h[4]) }
end

local function raw_limit(b)
  if b.configured == nil then return b.learned end
  if b.learned == nil then return b.configured end
  return math.min(b.configured, b.learned)
end

-- limit, capacity, rate per ms; nil when the limit is unknown (unlimited)
local function shape(b)
  local limit = raw_limit(b)
  if limit == nil then return nil, nil, nil end
  local per = limit * safety * share
  return limit, per * depth / period, per / period
end

local function refill(b)
  local limit, cap, rate = shape(b)
  if limit ~= nil then
    if b.level == nil then
      b.level = cap
    else
      b.level = math.min(cap, b.level + math.max(0, now - b.at) * rate)
    end
  end
  if now > b.at then b.at = now end
end

local function save(b)
  local fields = { 'at', str(b.at), 'charged', str(b.charged) }
  if b.level ~= nil then
    fields[#fields + 1] = 'level'
    fields[#fields + 1] = str(b.level)
  end
  if b.learned ~= nil then
    fields[#fields + 1] = 'learned'
    fields[#fields + 1] = str(b.learned)
  end
  redis.call('HSET', b.key, unpack(fields))
  redis.call('PEXPIRE', b.key, ttl)
end

local function lower_to(b, header_limit, remaining, elapsed, charged_since)
  local provider_limit = header_limit or raw_limit(b)
  if remaining == nil or provider_limit == nil or b.level == nil then return end
  local _, cap = shape(b)
  local provider_cap = provider_limit * depth / period
  local estimate = math.min(provider_cap, remaining + math.max(0, elapsed) * provider_limit / period - charged_since)
  local ceiling = estimate - (provider_cap - cap)
  if ceiling < b.level then b.level = ceiling end
end

local r = load(KEYS[1], num(ARGV[7]))
local t = load(KEYS[2], num(ARGV[8]))
local paused_until = num(redis.call('GET', KEYS[3])) or 0
refill(r)
refill(t)

local function view()
  return str(raw_limit(r)), str(r.level), str(raw_limit(t)), str(t.level), str(math.max(0, paused_until - now))
end

local op = ARGV[1]
if op == 'reserve' then
  local need = { requests = tonumber(ARGV[10]), tokens = tonumber(ARGV[11]) }
  local buckets = { requests = r, tokens = t }
  for _, name in ipairs({ 'tokens', 'requests' }) do
    local limit = raw_limit(buckets[name])
    if limit ~= nil and need[name] > limit then
      return { 'too-large', name, str(limit), view() }
    end
  end
  if paused_until > now then
    return { 'wait', 'paused', str(paused_until - now), view() }
  end
  local wait, reason = 0, 'requests'
  for _, name in ipairs({ 'requests', 'tokens' }) do
    local b = buckets[name]
    local limit, cap, rate = shape(b)
    if limit ~= nil and b.level < need[name] and b.level < cap then
      local w = (math.min(need[name], cap) - b.level) / rate
      if w > wait then
        wait = w
        reason = name
      end
    end
  end
  if wait > 0 then
    return { 'wait', reason, str(wait), view() }
  end
  for name, b in pairs(buckets) do
    if b.level ~= nil then b.level = b.level - need[name] end
    b.charged = b.charged + need[name]
    save(b)
  end
  return { 'ok', str(now), str(r.charged), str(t.charged), view() }
end

if op == 'settle' then
  local age = num(ARGV[16])
  if age ~= nil then
    local limit_r, limit_t = num(ARGV[12]), num(ARGV[13])
    if limit_r ~= nil and limit_r > 0 then r.learned = limit_r end
    if limit_t ~= nil and limit_t > 0 then t.learned = limit_t end
    refill(r)
    refill(t)
    lower_to(r, limit_r, num(ARGV[14]), age, r.charged - tonumber(ARGV[17]))
    lower_to(t, limit_t, num(ARGV[15]), age, t.charged - tonumber(ARGV[18]))
  end
  local d_r, d_t = num(ARGV[10]), num(ARGV[11])
  if d_r ~= nil and d_t ~= nil then
    local _, cap_r = shape(r)
    local _, cap_t = shape(t)
    if r.level ~= nil then r.level = math.min(cap_r, r.level - d_r) end
    if t.level ~= nil then t.level = math.min(cap_t, t.level - d_t) end
    r.charged = r.charged + d_r
    t.charged = t.charged + d_t
  end
  if ARGV[20] == '1' then
    if r.level ~= nil then r.level = math.min(0, r.level) end
    if t.level ~= nil then t.level = math.min(0, t.level) end
  end
  local pause_for = num(ARGV[19])
  local pause_until = pause_for and (now + pause_for)
  if pause_until ~= nil and pause_until > paused_until then
    paused_until = pause_until
    redis.call('SET', KEYS[3], str(pause_until), 'PX', math.ceil(pause_until - now) + 1000)
  end
  save(r)
  save(t)
  return { 'view', view() }
end

return { 'view', view() }
`;
