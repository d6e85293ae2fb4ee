import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { KEY_PREFIX, QueueKeys } from '../../../src/queue/queue-keys.js'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The test's read-only view of the shared queue, from the root namespace: who claimed an
 * execution, where BullMQ has a job, which workers are live. Nothing here changes the queue.
 */
export class QueueView {
  readonly keys: QueueKeys
  readonly #redis: Redis
  readonly #queue: Queue

  constructor(url: string, queueName = 'executions') {
    this.keys = new QueueKeys(queueName)
    this.#redis = new Redis(url, { maxRetriesPerRequest: null })
    this.#redis.on('error', () => {})
    this.#queue = new Queue(queueName, { connection: this.#redis, prefix: KEY_PREFIX })
    this.#queue.on('error', () => {})
  }

  /** The node name of the worker that started the execution, or null if none did. */
  claimHolder(id: string): Promise<string | null> {
    return this.#redis.get(this.keys.claim(id))
  }

  /** Ids of every execution some worker has claimed (claims outlive the runs). */
  async claimedIds(): Promise<Set<string>> {
    const prefix = this.keys.claim('')
    const ids = new Set<string>()
    let cursor = '0'
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000)
      for (const key of keys) ids.add(key.slice(prefix.length))
      cursor = next
    } while (cursor !== '0')
    return ids
  }

  /** The first execution claimed that is not in `before`, and its worker. */
  async nextClaim(
    before: ReadonlySet<string>,
    timeoutMs = 30_000,
  ): Promise<{ id: string; node: string }> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      for (const id of await this.claimedIds()) {
        if (before.has(id)) continue
        const node = await this.claimHolder(id)
        if (node !== null) return { id, node }
      }
      if (Date.now() > deadline) throw new Error(`no new claim within ${timeoutMs} ms`)
      await sleep(50)
    }
  }

  /** BullMQ's state of the job (`waiting`, `active`, `failed`, …, `unknown` once removed). */
  jobState(id: string): Promise<string> {
    return this.#queue.getJobState(id)
  }

  /** Ids of the jobs waiting for a worker. */
  async waitingIds(): Promise<string[]> {
    const jobs = await this.#queue.getWaiting()
    return jobs.map((job) => job.id ?? '')
  }

  /** Waits until `count` jobs wait; returns their ids. */
  async waitForWaiting(count: number, timeoutMs = 15_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const ids = await this.waitingIds()
      if (ids.length >= count) return ids
      if (Date.now() > deadline) {
        throw new Error(`${ids.length} job(s) waiting after ${timeoutMs} ms, expected ${count}`)
      }
      await sleep(50)
    }
  }

  /**
   * A worker's registry state (`ready`, `paused`, `draining`) while its heartbeat is current;
   * `gone` once it has lapsed or the worker left.
   */
  async workerState(name: string): Promise<string> {
    const expiresAt = await this.#redis.zscore(this.keys.workers, name)
    if (expiresAt === null || Number(expiresAt) <= Date.now()) return 'gone'
    const entry = await this.#redis.hget(this.keys.workerStates, name)
    if (entry === null) return 'gone'
    return (JSON.parse(entry) as { state: string }).state
  }

  /** The cluster-wide count of executions whose worker was lost. */
  async lostCount(): Promise<number> {
    return Number((await this.#redis.get(this.keys.lost)) ?? 0)
  }

  async close(): Promise<void> {
    await this.#queue.close().catch(() => {})
    this.#redis.disconnect()
  }
}
