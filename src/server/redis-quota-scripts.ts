import type { Redis } from 'ioredis'

// Both scripts read the time from Redis (TIME), so API nodes with skewed clocks still agree on
// when a token is earned back and when a slot expires.
const NOW_MS = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
`

/**
 * One key's rate limit and concurrency quota, checked and taken in one step, so two API nodes
 * never both take the last token or slot. The same token bucket as `ClientLimits`; the slots
 * are a sorted set scored by expiry, and the expired ones (a crashed node's) go first.
 * Answers `{'quota_exceeded', inFlight}`, `{'rate_limited', tokens}` or `{'ok', inFlight}`.
 */
const ACQUIRE = `${NOW_MS}
local bucket, slots = KEYS[1], KEYS[2]
local perMinute, concurrent, slotTtl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])

redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)
local inFlight = redis.call('ZCARD', slots)
if inFlight >= concurrent then return {'quota_exceeded', inFlight} end

local state = redis.call('HMGET', bucket, 'tokens', 'at')
local tokens = tonumber(state[1]) or perMinute
local at = tonumber(state[2]) or now
tokens = math.min(perMinute, tokens + math.max(0, now - at) * perMinute / 60000)
if tokens < 1 then return {'rate_limited', tostring(tokens)} end

tokens = tokens - 1
redis.call('HSET', bucket, 'tokens', tostring(tokens), 'at', now)
-- Once full again, the bucket is the same as no bucket.
redis.call('PEXPIRE', bucket, math.ceil((perMinute - tokens) * 60000 / perMinute) + 1)
redis.call('ZADD', slots, now + slotTtl, ARGV[4])
if redis.call('PTTL', slots) < slotTtl then redis.call('PEXPIRE', slots, slotTtl) end
return {'ok', inFlight + 1}
`

/**
 * Pushes the expiry of this node's slots of one key `slotTtl` ms ahead. A slot already expired
 * stays gone (its place may be taken): its id is answered, so the node stops renewing it.
 */
const RENEW = `${NOW_MS}
local slots, slotTtl = KEYS[1], tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)
local lost = {}
for i = 2, #ARGV do
  if redis.call('ZSCORE', slots, ARGV[i]) then
    redis.call('ZADD', slots, now + slotTtl, ARGV[i])
  else
    table.insert(lost, ARGV[i])
  end
end
if redis.call('PTTL', slots) < slotTtl then redis.call('PEXPIRE', slots, slotTtl) end
return lost
`

export type AcquireAnswer =
  | readonly ['ok', number]
  | readonly ['quota_exceeded', number]
  | readonly ['rate_limited', string]

/** A connection with the quota scripts defined (sent by SHA, and again in full after a Redis restart). */
export interface QuotaRedis extends Redis {
  tasQuotaAcquire(
    bucketKey: string,
    slotsKey: string,
    perMinute: number,
    concurrent: number,
    slotTtlMs: number,
    slotId: string,
  ): Promise<AcquireAnswer>
  tasQuotaRenew(slotsKey: string, slotTtlMs: number, ...slotIds: string[]): Promise<string[]>
}

export function defineQuotaScripts(redis: Redis): QuotaRedis {
  redis.defineCommand('tasQuotaAcquire', { numberOfKeys: 2, lua: ACQUIRE })
  redis.defineCommand('tasQuotaRenew', { numberOfKeys: 1, lua: RENEW })
  return redis as QuotaRedis
}
