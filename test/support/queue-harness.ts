import { randomUUID } from 'node:crypto'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { test as base } from 'vitest'
import type { ConfigInput, SandboxConfig } from '../../src/config/schema.js'
import { QueueExecutor } from '../../src/queue/queue-executor.js'
import { KEY_PREFIX, QueueKeys } from '../../src/queue/queue-keys.js'
import { QueueWorker } from '../../src/queue/queue-worker.js'
import { Sandbox } from '../../src/sandbox/sandbox.js'
import { CountingEngine } from './counting-engine.js'
import { containersOf } from './managed-containers.js'
import { RedisServer } from './redis-server.js'
import { testConfig } from './test-config.js'

export const API_NODE = 'api-node'

/** A worker node in this process: its own sandbox on the real engine, counted. */
export interface WorkerNode {
  readonly worker: QueueWorker
  readonly sandbox: Sandbox
  readonly engine: CountingEngine
  readonly config: SandboxConfig
}

/**
 * One test's scale-out deployment: its own redis-server, API executors and workers on one
 * queue, and a BullMQ view of that queue for the test's look-ups. `close()` ends all of it
 * and fails when a worker left a container behind.
 */
export class QueueHarness {
  readonly redis: RedisServer
  readonly queueName = `q-${randomUUID().slice(0, 8)}`
  readonly keys = new QueueKeys(this.queueName)
  readonly #apis: QueueExecutor[] = []
  readonly #workers: WorkerNode[] = []
  readonly #cleanups: (() => Promise<unknown>)[] = []
  #client: Redis | undefined
  #bull: Queue | undefined

  private constructor(redis: RedisServer) {
    this.redis = redis
  }

  static async start(): Promise<QueueHarness> {
    return new QueueHarness(await RedisServer.start())
  }

  /**
   * A node's config: the test config, on this queue, with short timeouts, named `node`.
   * Every node gets the same `code_execution` unless `overrides` changes it.
   */
  config(node: string, overrides: ConfigInput = {}): SandboxConfig {
    const shared: ConfigInput = {
      code_execution: { timeout_seconds: 5 },
      // One at a time: a job left in the queue would run before any later one.
      orchestrator: { node_name: node, concurrency: 1 },
      queue: { name: this.queueName },
    }
    return testConfig(merge(shared, overrides) as ConfigInput)
  }

  async api(overrides: ConfigInput = {}): Promise<QueueExecutor> {
    const api = await QueueExecutor.create({
      config: this.config(API_NODE, overrides),
      url: this.redis.url,
    })
    this.#apis.push(api)
    return api
  }

  async worker(overrides: ConfigInput = {}): Promise<WorkerNode> {
    const config = this.config(`worker-${this.#workers.length + 1}`, overrides)
    const engine = new CountingEngine()
    const sandbox = await Sandbox.create({ config, engine })
    try {
      const worker = await QueueWorker.start({ config, url: this.redis.url, executor: sandbox })
      const node = { worker, sandbox, engine, config }
      this.#workers.push(node)
      return node
    } catch (error) {
      await sandbox.close()
      throw error
    }
  }

  /** The test's own Redis client. */
  get client(): Redis {
    this.#client ??= this.redis.client()
    return this.#client
  }

  /** The queue as BullMQ sees it. */
  get bull(): Queue {
    this.#bull ??= new Queue(this.queueName, {
      connection: new Redis(this.redis.url, { maxRetriesPerRequest: null }),
      prefix: KEY_PREFIX,
    })
    return this.#bull
  }

  /** Every job count of the queue added up (waiting, active, completed, failed, ...). */
  async jobCount(): Promise<number> {
    const counts = await this.bull.getJobCounts()
    return Object.values(counts).reduce((sum, n) => sum + n, 0)
  }

  /** The id of the first job found in one of `states`, once there is one. */
  async jobIn(states: ('waiting' | 'active')[], timeoutMs = 15_000): Promise<string> {
    let found: string | undefined
    await until(
      `a job is ${states.join(' or ')}`,
      async () => {
        found = (await this.bull.getJobs(states))[0]?.id
        return found !== undefined
      },
      timeoutMs,
    )
    return found as string
  }

  /** Runs at close, before the servers stop (e.g. to kill a child process). */
  onClose(cleanup: () => Promise<unknown>): void {
    this.#cleanups.push(cleanup)
  }

  async close(): Promise<void> {
    for (const cleanup of this.#cleanups.splice(0)) await cleanup().catch(() => {})
    for (const api of this.#apis.splice(0)) await api.close()
    const workers = this.#workers.splice(0)
    for (const { worker } of workers) await worker.close()
    const connection = this.#bull?.opts.connection
    await this.#bull?.close()
    if (connection instanceof Redis) connection.disconnect()
    this.#client?.disconnect()
    await this.redis.destroy()
    const left = (
      await Promise.all(workers.map((w) => containersOf(w.config.orchestrator.instance_id)))
    ).flat()
    if (left.length > 0) throw new Error(`workers left containers behind: ${left.join(', ')}`)
  }
}

/** Polls until `check` holds; the timeout only names what was awaited when a test fails. */
export async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Plain objects merged key by key, `over` winning; anything else is replaced. */
function merge(under: unknown, over: unknown): unknown {
  if (!isPlainObject(under) || !isPlainObject(over)) return over === undefined ? under : over
  const merged: Record<string, unknown> = { ...under }
  for (const [key, value] of Object.entries(over)) merged[key] = merge(under[key], value)
  return merged
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A harness per test, closed after it whatever happened. */
export const queueTest = base.extend<{ harness: QueueHarness }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads fixture dependencies from this pattern
  harness: async ({}, use) => {
    const harness = await QueueHarness.start()
    try {
      await use(harness)
    } finally {
      await harness.close()
    }
  },
})
