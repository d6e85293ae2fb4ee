import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Redis } from 'ioredis'
import { AbortedError, InvalidArgumentError, QueueUnavailableError } from '../errors.js'
import { type Logger, silentLogger } from '../logger.js'
import { connect, redactUrl, whenReady } from '../queue/queue-connection.js'
import { QueueKeys } from '../queue/queue-keys.js'
import type {
  Claim,
  ClaimRequest,
  IdempotencyLease,
  IdempotencyStore,
  StoredAnswer,
} from './idempotency.js'

export interface RedisIdempotencyStoreOptions {
  /** The queue's Redis URL (`queueUrl(config)`). */
  readonly url: string
  /** `queue.name`: the API nodes of one deployment share their keys. */
  readonly queueName: string
  /** How long a first answer is kept (`server.idempotency_ttl_seconds`). */
  readonly ttlMs: number
  /** This API node's name, shown in Redis' CLIENT LIST. @default 'api' */
  readonly node?: string
  /** How long a running request's key outlives its node's last renewal: a crashed node's keys are free after this. @default 30_000 */
  readonly leaseMs?: number
  /** How often a node renews the keys of the requests it runs; below `leaseMs`. @default 10_000 */
  readonly renewEveryMs?: number
  /** How often a repeat looks for the first answer while the first request runs. @default 200 */
  readonly pollMs?: number
  /** @default silent */
  readonly logger?: Logger
}

/** A key's value: the first request running (its lease id) or its answer. */
type Entry =
  | { readonly state: 'pending'; readonly digest: string; readonly lease: string }
  | { readonly state: 'done'; readonly digest: string; readonly answer: StoredAnswer }

// Each acts only while the key still holds this node's pending value: a lease that expired
// (and may have been taken by another node) is not overwritten.
const IF_OURS = "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end\n"
const FINISH = `${IF_OURS}redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])\nreturn 1`
const RELEASE = `${IF_OURS}redis.call('DEL', KEYS[1])\nreturn 1`
const RENEW = `${IF_OURS}redis.call('PEXPIRE', KEYS[1], ARGV[2])\nreturn 1`

interface IdempotencyRedis extends Redis {
  tasIdempotencyFinish(key: string, pending: string, done: string, ttlMs: number): Promise<number>
  tasIdempotencyRelease(key: string, pending: string): Promise<number>
  tasIdempotencyRenew(key: string, pending: string, leaseMs: number): Promise<number>
}

/**
 * First answers kept in the queue's Redis, so a repeat is answered by whichever API node it
 * reaches. The first request sets its key (SET NX) to a pending value whose TTL its node
 * renews while it runs, then replaces it with its answer for `ttlMs`; a repeat on any node
 * polls until the answer is there. A node that crashes mid-run leaves its key free after
 * `leaseMs`, and then a repeat runs the code again. Without Redis, requests with a key are
 * refused (503 `queue_unavailable`): such a node could not enqueue them anyway.
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  readonly #keys: QueueKeys
  readonly #redis: IdempotencyRedis
  readonly #ttlMs: number
  readonly #leaseMs: number
  readonly #renewEveryMs: number
  readonly #pollMs: number
  readonly #logger: Logger
  /** Renewal timers of the leases this node holds. */
  readonly #renewals = new Set<NodeJS.Timeout>()

  private constructor(options: RedisIdempotencyStoreOptions) {
    this.#ttlMs = options.ttlMs
    this.#leaseMs = options.leaseMs ?? 30_000
    this.#renewEveryMs = options.renewEveryMs ?? 10_000
    this.#pollMs = options.pollMs ?? 200
    for (const [name, value] of Object.entries({
      ttlMs: this.#ttlMs,
      leaseMs: this.#leaseMs,
      renewEveryMs: this.#renewEveryMs,
      pollMs: this.#pollMs,
    })) {
      if (!Number.isInteger(value) || value <= 0)
        throw new InvalidArgumentError(
          `Expected \`${name}\` to be a positive integer, got \`${value}\``,
        )
    }
    if (this.#renewEveryMs >= this.#leaseMs)
      throw new InvalidArgumentError(
        `Expected \`renewEveryMs\` to be below \`leaseMs\` (${this.#leaseMs}), got \`${this.#renewEveryMs}\``,
      )
    this.#keys = new QueueKeys(options.queueName)
    this.#logger = options.logger ?? silentLogger
    const redis = connect(options.url, 'command', `tas-idempotency:${options.node ?? 'api'}`)
    redis.on('error', (error: Error) =>
      this.#logger.debug('idempotency connection error', { error: error.message }),
    )
    redis.defineCommand('tasIdempotencyFinish', { numberOfKeys: 1, lua: FINISH })
    redis.defineCommand('tasIdempotencyRelease', { numberOfKeys: 1, lua: RELEASE })
    redis.defineCommand('tasIdempotencyRenew', { numberOfKeys: 1, lua: RENEW })
    this.#redis = redis as IdempotencyRedis
  }

  /** Connects; Redis may be down, and then every request with a key is refused until it answers. */
  static async create(options: RedisIdempotencyStoreOptions): Promise<RedisIdempotencyStore> {
    const store = new RedisIdempotencyStore(options)
    if (!(await whenReady(store.#redis, 5_000)))
      store.#logger.warn(
        'idempotency store (the queue Redis) unreachable at start-up; requests with an Idempotency-Key are refused with queue_unavailable until it answers',
        { url: redactUrl(options.url) },
      )
    return store
  }

  async claim(request: ClaimRequest): Promise<Claim> {
    const key = this.#keys.idempotency(request.client, request.key)
    const pending = JSON.stringify({
      state: 'pending',
      digest: request.digest,
      lease: randomUUID(),
    } satisfies Entry)
    const waitUntil = performance.now() + request.waitMs
    for (;;) {
      if (request.signal?.aborted) throw new AbortedError()
      const taken = await this.#command(() =>
        this.#redis.set(key, pending, 'PX', this.#leaseMs, 'NX'),
      )
      if (taken === 'OK') return { kind: 'lease', lease: this.#lease(key, pending, request.digest) }
      const value = await this.#command(() => this.#redis.get(key))
      // Gone between the two commands (released, or expired): the next turn may take it.
      if (value === null) continue
      const entry = JSON.parse(value) as Entry
      if (entry.digest !== request.digest) return { kind: 'conflict' }
      if (entry.state === 'done') return { kind: 'replay', answer: entry.answer }
      if (performance.now() + this.#pollMs > waitUntil) return { kind: 'busy' }
      await sleep(this.#pollMs, undefined, { signal: request.signal }).catch(() => {
        throw new AbortedError()
      })
    }
  }

  /** Stops renewing (every answer is out by now) and disconnects. */
  async close(): Promise<void> {
    for (const timer of this.#renewals) clearInterval(timer)
    this.#renewals.clear()
    this.#redis.disconnect()
  }

  #lease(key: string, pending: string, digest: string): IdempotencyLease {
    const renewal = setInterval(() => {
      this.#redis
        .tasIdempotencyRenew(key, pending, this.#leaseMs)
        .catch((error: unknown) =>
          this.#logger.warn(
            `cannot renew an Idempotency-Key in progress; it is free for a repeat unless Redis answers within ${this.#leaseMs} ms`,
            { error: String(error) },
          ),
        )
    }, this.#renewEveryMs).unref()
    this.#renewals.add(renewal)
    let ended = false
    const end = (): boolean => {
      if (ended) return false
      ended = true
      clearInterval(renewal)
      this.#renewals.delete(renewal)
      return true
    }
    return {
      finish: async (answer) => {
        if (!end()) return
        const done = JSON.stringify({ state: 'done', digest, answer } satisfies Entry)
        try {
          const kept = await this.#redis.tasIdempotencyFinish(key, pending, done, this.#ttlMs)
          if (kept === 0)
            this.#logger.warn(
              `an Idempotency-Key expired while its request ran (Redis unreachable for over ${this.#leaseMs} ms); its answer is not kept`,
            )
        } catch (error) {
          this.#logger.warn(
            `cannot keep the answer of an Idempotency-Key; a repeat after ${this.#leaseMs} ms runs the code again`,
            { error: String(error) },
          )
        }
      },
      release: async () => {
        if (!end()) return
        await this.#redis
          .tasIdempotencyRelease(key, pending)
          .catch((error: unknown) =>
            this.#logger.warn(
              `cannot give back an Idempotency-Key; it is free again within ${this.#leaseMs} ms`,
              { error: String(error) },
            ),
          )
      },
    }
  }

  async #command<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command()
    } catch (error) {
      throw new QueueUnavailableError(
        `Cannot look up the Idempotency-Key: the queue's Redis is unreachable (${String(error)}).`,
        { cause: error },
      )
    }
  }
}
