import { type ClientQuota, type QuotaLimits, quotaExceeded, rateLimited } from './client-quota.js'

export interface ClientLimitsOptions extends QuotaLimits {
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
 * quota, counted in this process: for one API node. Clients are API keys, so the number of
 * buckets is bounded by the key list.
 */
export class ClientLimits implements ClientQuota {
  readonly #perMinute: number
  readonly #concurrent: number
  readonly #now: () => number
  readonly #buckets = new Map<string, Bucket>()

  constructor(options: ClientLimitsOptions) {
    this.#perMinute = options.perMinute
    this.#concurrent = options.concurrent
    this.#now = options.now ?? Date.now
  }

  async acquire(client: string): Promise<() => void> {
    const bucket = this.#refill(client)
    if (bucket.inFlight >= this.#concurrent) throw quotaExceeded(bucket.inFlight)
    if (bucket.tokens < 1) throw rateLimited(this.#perMinute, bucket.tokens)
    bucket.tokens -= 1
    bucket.inFlight += 1
    let released = false
    return () => {
      if (released) return
      released = true
      bucket.inFlight -= 1
    }
  }

  async close(): Promise<void> {}

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
