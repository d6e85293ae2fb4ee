import { Redis, type RedisOptions } from 'ioredis'

/**
 * How a connection behaves while Redis is away:
 * - `command`: fails at once (no offline queue), so a request is never enqueued late;
 * - `blocking`: BullMQ's workers and blocking reads, which wait for Redis to return.
 */
/** Longest a `command` connection waits for a reply; above any blocking read we issue on one. */
export const COMMAND_TIMEOUT_MS = 10_000

export type ConnectionRole = 'command' | 'blocking'

export function connect(url: string, role: ConnectionRole, name: string): Redis {
  const options: RedisOptions = {
    connectionName: name,
    lazyConnect: false,
    // BullMQ requires null; our own commands handle failures themselves.
    maxRetriesPerRequest: role === 'blocking' ? null : 0,
    enableOfflineQueue: role === 'blocking',
    retryStrategy: (times) => Math.min(200 * times, 2_000),
    connectTimeout: 5_000,
    keepAlive: 5_000,
    // A server that stopped answering (frozen, partitioned) fails our commands instead of
    // hanging them; BullMQ's blocking commands must not have this.
    ...(role === 'command' ? { commandTimeout: COMMAND_TIMEOUT_MS } : {}),
  }
  return new Redis(url, options)
}

/**
 * Whether the connection became ready within `timeoutMs`. A new `command` connection refuses
 * every command until then (no offline queue), so its first command must wait for this.
 */
export function whenReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true)
  return new Promise((resolve) => {
    const onReady = () => {
      clearTimeout(timer)
      resolve(true)
    }
    const timer = setTimeout(() => {
      redis.off('ready', onReady)
      resolve(false)
    }, timeoutMs)
    redis.once('ready', onReady)
  })
}

/** The URL with any password hidden, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'redis://(unparsable URL)'
  }
}
