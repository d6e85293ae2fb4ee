import { HttpError } from './http-errors.js'

export interface ClientLimitsOptions {
  /** Executions one client may start per minute. */
  readonly perMinute: number
  /** Executions one client may have in progress at once: arriving, queued, running, or answering. */
  readonly concurrent: number
  /** @default Date.now */
  readonly now?: () => number
}

interface Bucket {
  tokens: number
  updatedAt: number
  inFlight: number
}

/**
 * Per-client rate limit (a token bucket refilled evenly over the minute) and concurrency
 * quota. Clients are API keys, so the number of buckets is bounded by the key list.
 */
export class ClientLimits {
  readonly #perMinute: number
  readonly #concurrent: number
  readonly #now: () => number
  readonly #buckets = new Map<string, Bucket>()

  constructor(options: ClientLimitsOptions) {
    this.#perMinute = options.perMinute
    this.#concurrent = options.concurrent
    this.#now = options.now ?? Date.now
  }

  /** Takes one execution slot for `client`, or throws a 429; call the returned function when done. */
  acquire(client: string): () => void {
    const bucket = this.#refill(client)
    if (bucket.inFlight >= this.#concurrent) {
      throw new HttpError(
        'quota_exceeded',
        `This API key already has ${bucket.inFlight} executions in progress, counted from their request to the last byte of their answer (server.concurrency_per_key). Wait for one to finish.`,
        { retryAfterSeconds: 1 },
      )
    }
    if (bucket.tokens < 1) {
      const msPerToken = 60_000 / this.#perMinute
      throw new HttpError(
        'rate_limited',
        `Rate limit reached: ${this.#perMinute} executions per minute per API key (server.rate_limit_per_minute).`,
        { retryAfterSeconds: Math.max(1, Math.ceil(((1 - bucket.tokens) * msPerToken) / 1_000)) },
      )
    }
    bucket.tokens -= 1
    bucket.inFlight += 1
    let released = false
    return () => {
      if (released) return
      released = true
      bucket.inFlight -= 1
    }
  }

  #refill(client: string): Bucket {
    const now = this.#now()
    const bucket = this.#buckets.get(client) ?? {
      tokens: this.#perMinute,
      updatedAt: now,
      inFlight: 0,
    }
    const earned = ((now - bucket.updatedAt) / 60_000) * this.#perMinute
    bucket.tokens = Math.min(this.#perMinute, bucket.tokens + earned)
    bucket.updatedAt = now
    this.#buckets.set(client, bucket)
    return bucket
  }
}
