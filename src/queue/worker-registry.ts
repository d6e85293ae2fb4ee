import type { Redis } from 'ioredis'
import type { QueueKeys } from './queue-keys.js'

export type WorkerState = 'ready' | 'paused' | 'draining'

/** A worker's heartbeat lives this long; it is renewed three times within it. */
export const HEARTBEAT_TTL_MS = 9_000

/** Announces this worker and its state; gone from the set once heartbeats stop. */
export async function heartbeat(
  redis: Redis,
  keys: QueueKeys,
  name: string,
  state: WorkerState,
  now = Date.now(),
): Promise<void> {
  await redis
    .multi()
    .zadd(keys.workers, now + HEARTBEAT_TTL_MS, name)
    .hset(keys.workerStates, name, state)
    .exec()
}

export async function leave(redis: Redis, keys: QueueKeys, name: string): Promise<void> {
  await redis.multi().zrem(keys.workers, name).hdel(keys.workerStates, name).exec()
}

/** Workers whose heartbeat is current, with their state; stale ones are removed. */
export async function liveWorkers(
  redis: Redis,
  keys: QueueKeys,
  now = Date.now(),
): Promise<{ name: string; state: WorkerState }[]> {
  const stale = await redis.zrangebyscore(keys.workers, '-inf', now)
  if (stale.length > 0) {
    await redis
      .multi()
      .zremrangebyscore(keys.workers, '-inf', now)
      .hdel(keys.workerStates, ...stale)
      .exec()
  }
  const names = await redis.zrangebyscore(keys.workers, now, '+inf')
  if (names.length === 0) return []
  const states = await redis.hmget(keys.workerStates, ...names)
  return names.map((name, i) => ({ name, state: parseState(states[i]) }))
}

function parseState(value: string | null | undefined): WorkerState {
  return value === 'ready' || value === 'paused' || value === 'draining' ? value : 'paused'
}
