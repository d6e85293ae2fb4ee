import { randomUUID } from 'node:crypto'
import { InvalidArgumentError, QueueUnavailableError } from '../errors.js'
import { type Logger, silentLogger } from '../logger.js'
import { connect, redactUrl, whenReady } from '../queue/queue-connection.js'
import { QueueKeys } from '../queue/queue-keys.js'
import { type ClientQuota, type QuotaLimits, quotaExceeded, rateLimited } from './client-quota.js'
import { type AcquireAnswer, defineQuotaScripts, type QuotaRedis } from './redis-quota-scripts.js'

export interface RedisClientLimitsOptions extends QuotaLimits {
  /** The queue's Redis URL (`queueUrl(config)`). */
  readonly url: string
  /** `queue.name`: the API nodes of one deployment share its quotas. */
  readonly queueName: string
  /** This API node's name, shown in Redis' CLIENT LIST. @default 'api' */
  readonly node?: string
  /** How long a slot outlives its node's last renewal: a crashed node's slots are free after this. @default 30_000 */
  readonly slotTtlMs?: number
  /** How often a node renews the slots it holds; below `slotTtlMs`. @default 10_000 */
  readonly renewEveryMs?: number
  /** A quota check not answered within this is refused with `queue_unavailable`. @default 5_000 */
  readonly commandTimeoutMs?: number
  /** @default silent */
  readonly logger?: Logger
}

/**
 * The per-key rate limit and concurrency quota of `ClientLimits`, kept in the queue's Redis so
 * they hold across every API node. Both are checked and taken by one script. A slot expires
 * `slotTtlMs` after its node last renewed it, so a crashed node's slots free themselves. Without
 * Redis nothing is allowed (503 `queue_unavailable`): such a node could not enqueue anyway.
 */
export class RedisClientLimits implements ClientQuota {
  readonly #limits: QuotaLimits
  readonly #keys: QueueKeys
  readonly #redis: QuotaRedis
  readonly #slotTtlMs: number
  readonly #commandTimeoutMs: number
  readonly #logger: Logger
  /** The slots this node holds: slot id → client. */
  readonly #held = new Map<string, string>()
  /** Releases and renewals under way, which `close()` lets finish. */
  readonly #pending = new Set<Promise<void>>()
  readonly #renewal: NodeJS.Timeout
  #renewing = false
  #closed = false

  private constructor(options: RedisClientLimitsOptions) {
    const slotTtlMs = options.slotTtlMs ?? 30_000
    const renewEveryMs = options.renewEveryMs ?? 10_000
    this.#commandTimeoutMs = options.commandTimeoutMs ?? 5_000
    checkPositiveInteger('slotTtlMs', slotTtlMs)
    checkPositiveInteger('renewEveryMs', renewEveryMs)
    checkPositiveInteger('commandTimeoutMs', this.#commandTimeoutMs)
    if (renewEveryMs >= slotTtlMs)
      throw new InvalidArgumentError(
        `Expected \`renewEveryMs\` to be below \`slotTtlMs\` (${slotTtlMs}), got \`${renewEveryMs}\``,
      )
    this.#limits = { perMinute: options.perMinute, concurrent: options.concurrent }
    this.#keys = new QueueKeys(options.queueName)
    this.#slotTtlMs = slotTtlMs
    this.#logger = options.logger ?? silentLogger
    const redis = connect(options.url, 'command', `tas-quota:${options.node ?? 'api'}`)
    redis.on('error', (error: Error) =>
      this.#logger.debug('quota connection error', { error: error.message }),
    )
    this.#redis = defineQuotaScripts(redis)
    this.#renewal = setInterval(() => this.#track(this.#renew()), renewEveryMs).unref()
  }

  /** Connects; Redis may be down, and then every `acquire` is refused until it answers. */
  static async create(options: RedisClientLimitsOptions): Promise<RedisClientLimits> {
    const limits = new RedisClientLimits(options)
    if (!(await whenReady(limits.#redis, limits.#commandTimeoutMs)))
      limits.#logger.warn(
        'quota store (the queue Redis) unreachable at start-up; executions are refused with queue_unavailable until it answers',
        { url: redactUrl(options.url) },
      )
    return limits
  }

  async acquire(client: string): Promise<() => void> {
    const slotId = randomUUID()
    let answer: AcquireAnswer
    try {
      answer = await withTimeout(
        this.#redis.tasQuotaAcquire(
          this.#keys.rate(client),
          this.#keys.slots(client),
          this.#limits.perMinute,
          this.#limits.concurrent,
          this.#slotTtlMs,
          slotId,
        ),
        this.#commandTimeoutMs,
      )
    } catch (error) {
      // The script may still run after we gave up on it: its slot is handed back.
      if (error instanceof NoAnswerError) this.#remove(client, slotId)
      throw new QueueUnavailableError(
        `Cannot check the quotas of ${client}: the queue's Redis is unreachable (${String(error)}).`,
        { cause: error },
      )
    }
    const [outcome, value] = answer
    if (outcome === 'quota_exceeded') throw quotaExceeded(value)
    if (outcome === 'rate_limited') throw rateLimited(this.#limits.perMinute, Number(value))
    this.#held.set(slotId, client)
    return () => this.#release(client, slotId)
  }

  /**
   * Hands back the slots still held, stops renewing and disconnects. Called once this node's
   * answers are all out: a slot whose release has not run yet (it may run a tick after the
   * connection closed) is done with all the same.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#renewal)
    for (const [slotId, client] of this.#held) this.#release(client, slotId)
    await Promise.allSettled([...this.#pending])
    this.#redis.disconnect()
  }

  #release(client: string, slotId: string): void {
    // Not held: released already, handed back by close(), or expired during an outage.
    if (this.#held.delete(slotId)) this.#remove(client, slotId)
  }

  #remove(client: string, slotId: string): void {
    this.#track(
      withTimeout(this.#redis.zrem(this.#keys.slots(client), slotId), this.#commandTimeoutMs).then(
        () => {},
        (error: unknown) =>
          this.#logger.warn(
            `cannot release a quota slot of ${client}; it expires within ${this.#slotTtlMs} ms`,
            { error: String(error) },
          ),
      ),
    )
  }

  async #renew(): Promise<void> {
    // A renewal slower than the interval is not stacked with the next.
    if (this.#renewing || this.#held.size === 0) return
    this.#renewing = true
    try {
      const byClient = new Map<string, string[]>()
      for (const [slotId, client] of this.#held) {
        byClient.set(client, [...(byClient.get(client) ?? []), slotId])
      }
      await Promise.all([...byClient].map(([client, slotIds]) => this.#renewOf(client, slotIds)))
    } finally {
      this.#renewing = false
    }
  }

  async #renewOf(client: string, slotIds: string[]): Promise<void> {
    try {
      const lost = await withTimeout(
        this.#redis.tasQuotaRenew(this.#keys.slots(client), this.#slotTtlMs, ...slotIds),
        this.#commandTimeoutMs,
      )
      for (const slotId of lost) this.#held.delete(slotId)
      if (lost.length > 0)
        this.#logger.warn(
          `${lost.length} quota slot(s) of ${client} expired before their renewal: Redis was unreachable for over ${this.#slotTtlMs} ms`,
        )
    } catch (error) {
      this.#logger.warn(
        `cannot renew the quota slots of ${client}; they expire unless Redis answers within ${this.#slotTtlMs} ms`,
        { error: String(error) },
      )
    }
  }

  #track(work: Promise<void>): void {
    this.#pending.add(work)
    void work.finally(() => this.#pending.delete(work))
  }
}

class NoAnswerError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`)
    this.name = 'NoAnswerError'
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new NoAnswerError(ms)), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0)
    throw new InvalidArgumentError(
      `Expected \`${name}\` to be a positive integer, got \`${value}\``,
    )
}
