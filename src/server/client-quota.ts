import { HttpError } from './http-errors.js'

/** The two budgets of one client (an API key): `server.rate_limit_per_minute` and `server.concurrency_per_key`. */
export interface QuotaLimits {
  /** Executions one client may start per minute. */
  readonly perMinute: number
  /** Executions one client may have in progress at once: arriving, queued, running, or answering. */
  readonly concurrent: number
}

/**
 * Per-client rate limit and concurrency quota: in this process (`ClientLimits`), or shared by
 * every API node of a scale-out deployment (`RedisClientLimits`).
 */
export interface ClientQuota {
  /**
   * Takes one execution slot for `client`; call the returned function when the execution is
   * done (calling it again does nothing). Rejects with a 429 `HttpError` (`rate_limited`,
   * `quota_exceeded`), or with `queue_unavailable` when the shared count cannot be reached.
   */
  acquire(client: string): Promise<() => void>
  /** Stops whatever keeps the quota alive (timers, connections). */
  close(): Promise<void>
}

/** The refusal past the concurrency quota, with `inFlight` executions counted. */
export function quotaExceeded(inFlight: number): HttpError {
  return new HttpError(
    'quota_exceeded',
    `This API key already has ${inFlight} executions in progress, counted from their request to the last byte of their answer (server.concurrency_per_key). Wait for one to finish.`,
    { retryAfterSeconds: 1 },
  )
}

/**
 * The refusal past the rate limit of a token bucket holding `tokens` (< 1) and refilled
 * evenly over the minute: Retry-After is when the next whole token is earned.
 */
export function rateLimited(perMinute: number, tokens: number): HttpError {
  const msPerToken = 60_000 / perMinute
  return new HttpError(
    'rate_limited',
    `Rate limit reached: ${perMinute} executions per minute per API key (server.rate_limit_per_minute).`,
    { retryAfterSeconds: Math.max(1, Math.ceil(((1 - tokens) * msPerToken) / 1_000)) },
  )
}
