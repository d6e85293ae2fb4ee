import type { Redis } from 'ioredis'
import type { QueueKeys } from './queue-keys.js'

export type WorkerState = 'ready' | 'paused' | 'draining'

export interface LiveWorker {
  readonly name: string
  readonly state: WorkerState
  /** The worker's `code_execution` digest: it refuses jobs checked under any other. */
  readonly configSha256: string
}

/** A worker's heartbeat lives this long; it is renewed three times within it. */
export const HEARTBEAT_TTL_MS = 9_000

/** Announces this worker, its state and its config digest; gone once heartbeats stop. */
export async function heartbeat(
  redis: Redis,
  keys: QueueKeys,
  name: string,
  state: WorkerState,
  configSha256: string,
  now = Date.now(),
): Promise<void> {
  await redis
    .multi()
    .zadd(keys.workers, now + HEARTBEAT_TTL_MS, name)
    .hset(keys.workerStates, name, JSON.stringify({ state, configSha256 }))
    .exec()
}

export async function leave(redis: Redis, keys: QueueKeys, name: string): Promise<void> {
  await redis.multi().zrem(keys.workers, name).hdel(keys.workerStates, name).exec()
}

/** Workers whose heartbeat is current; stale ones are removed. */
export async function liveWorkers(
  redis: Redis,
  keys: QueueKeys,
  now = Date.now(),
): Promise<LiveWorker[]> {
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
  return names.map((name, i) => ({ name, ...parseState(states[i]) }))
}

/** Ready workers that would run a job checked under `configSha256`. */
export function takersOf(workers: readonly LiveWorker[], configSha256: string): LiveWorker[] {
  return workers.filter((w) => w.state === 'ready' && w.configSha256 === configSha256)
}

function parseState(value: string | null | undefined): Omit<LiveWorker, 'name'> {
  try {
    const parsed = JSON.parse(value ?? '') as { state?: unknown; configSha256?: unknown }
    const state = parsed.state === 'ready' || parsed.state === 'draining' ? parsed.state : 'paused'
    const configSha256 = typeof parsed.configSha256 === 'string' ? parsed.configSha256 : ''
    return { state, configSha256 }
  } catch {
    return { state: 'paused', configSha256: '' }
  }
}
