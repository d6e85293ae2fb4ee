import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { type ClientRequest, request } from 'node:http'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { Redis } from 'ioredis'
import { afterAll, it as base, beforeAll, describe, expect, vi } from 'vitest'
import type { SandboxConfig } from '../../src/config/schema.js'
import { AbortedError } from '../../src/errors.js'
import type { Logger } from '../../src/logger.js'
import { QueueKeys } from '../../src/queue/queue-keys.js'
import type { Executor } from '../../src/sandbox/executor.js'
import { ApiKeys } from '../../src/server/api-keys.js'
import { ClientLimits } from '../../src/server/client-limits.js'
import type { ClientQuota } from '../../src/server/client-quota.js'
import { type HttpError, toHttpError } from '../../src/server/http-errors.js'
import { HttpServer } from '../../src/server/http-server.js'
import {
  RedisClientLimits,
  type RedisClientLimitsOptions,
} from '../../src/server/redis-client-limits.js'
import { RedisServer } from '../support/redis-server.js'
import { testConfig } from '../support/test-config.js'

type NodeOptions = Partial<RedisClientLimitsOptions>

const HOLDER = fileURLToPath(new URL('../support/quota-holder-child.ts', import.meta.url))

/** Short TTLs, so a crashed node's slot frees itself within the test. */
const SLOT_TTL_MS = 1_500
const RENEW_EVERY_MS = 300

let redis: RedisServer
let look: Redis

beforeAll(async () => {
  redis = await RedisServer.start({ appendonly: false })
  look = redis.client()
})

afterAll(async () => {
  look?.disconnect()
  await redis?.destroy()
})

/**
 * `node()` starts one more "API node" (its own connection) on the shared Redis; every node of
 * a test shares one queue name of its own, and is closed after the test.
 */
const it = base.extend<{
  queueName: string
  node: (options?: NodeOptions) => Promise<ClientQuota>
}>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads fixture dependencies from this pattern
  queueName: async ({}, use) => use(`quota-${randomUUID().slice(0, 8)}`),
  node: async ({ queueName }, use) => {
    const nodes: RedisClientLimits[] = []
    try {
      await use(async (options = {}) => {
        const node = await RedisClientLimits.create({
          url: redis.url,
          queueName,
          perMinute: 1_000,
          concurrent: 1_000,
          slotTtlMs: SLOT_TTL_MS,
          renewEveryMs: RENEW_EVERY_MS,
          ...options,
        })
        nodes.push(node)
        return node
      })
    } finally {
      await Promise.all(nodes.map((node) => node.close()))
    }
  },
})

async function refusal(quota: ClientQuota, client: string): Promise<HttpError> {
  const error = await quota.acquire(client).then(
    () => undefined,
    (reason: unknown) => reason,
  )
  expect(error).toBeDefined()
  return toHttpError(error)
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

describe('RedisClientLimits', () => {
  it('shares the per-minute budget between API nodes, then refuses on either with Retry-After', async ({
    node,
  }) => {
    const [a, b] = [await node({ perMinute: 5 }), await node({ perMinute: 5 })]
    for (const quota of [a, b, a, b, a]) (await quota.acquire('key:k'))()

    const onA = await refusal(a, 'key:k')
    const onB = await refusal(b, 'key:k')
    const local = await refusal(await fiveSpent(), 'key:k')
    for (const error of [onA, onB]) {
      expect([error.code, error.status, error.message]).toStrictEqual([
        'rate_limited',
        429,
        local.message,
      ])
      expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1)
      expect(error.retryAfterSeconds).toBeLessThanOrEqual(local.retryAfterSeconds ?? 0)
    }
    await expect(b.acquire('key:other')).resolves.toBeTypeOf('function')
  })

  it('refuses an execution on one node past the concurrency two others hold, until one is released', async ({
    node,
  }) => {
    const [a, b] = [await node({ concurrent: 2 }), await node({ concurrent: 2 })]
    const first = await a.acquire('key:k')
    await b.acquire('key:k')

    const refused = await refusal(b, 'key:k')
    expect([refused.code, refused.status, refused.retryAfterSeconds]).toStrictEqual([
      'quota_exceeded',
      429,
      1,
    ])
    expect(refused.message).toContain('already has 2 executions in progress')
    expect((await refusal(a, 'key:k')).code).toBe('quota_exceeded')

    first()
    first()
    await vi.waitFor(() => b.acquire('key:k'), { timeout: 5_000, interval: 50 })
    expect((await refusal(a, 'key:k')).code).toBe('quota_exceeded')
  })

  it("frees a crashed node's slot once its TTL has passed without a renewal", async ({
    node,
    queueName,
  }) => {
    const crashing = await holderProcess(queueName, 'key:k')
    const b = await node({ concurrent: 2 })
    await b.acquire('key:k')
    try {
      // Renewed by their nodes, both slots outlive their TTL.
      await sleep(2 * SLOT_TTL_MS)
      expect((await refusal(b, 'key:k')).code).toBe('quota_exceeded')
    } finally {
      crashing.kill('SIGKILL')
    }
    const crashedAt = Date.now()
    await vi.waitFor(() => b.acquire('key:k'), { timeout: 10_000, interval: 100 })
    // Its last renewal was at most one interval before the crash.
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(SLOT_TTL_MS - RENEW_EVERY_MS - 100)
    // Only the crashed node's slot went: the live node's is still counted.
    expect((await refusal(b, 'key:k')).code).toBe('quota_exceeded')
  })

  it('hands back the slots it still holds when closed', async ({ node }) => {
    const [a, b] = [await node({ concurrent: 1 }), await node({ concurrent: 1 })]
    const release = await a.acquire('key:k')
    await a.close()
    release()
    await expect(b.acquire('key:k')).resolves.toBeTypeOf('function')
  })

  it('refuses with 503 queue_unavailable while Redis is down, and logs a release it could not send', async ({
    queueName,
  }) => {
    const own = await RedisServer.start({ appendonly: false })
    const warnings: string[] = []
    const quota = await RedisClientLimits.create({
      url: own.url,
      queueName,
      perMinute: 100,
      concurrent: 10,
      logger: recordingLogger(warnings),
    })
    try {
      const release = await quota.acquire('key:k')
      await own.stop()
      const error = await refusal(quota, 'key:k')
      expect([error.code, error.status, error.retryAfterSeconds]).toStrictEqual([
        'queue_unavailable',
        503,
        5,
      ])
      release()
      await vi.waitFor(() =>
        expect(warnings.filter((w) => w.startsWith('cannot release a quota slot'))).toHaveLength(1),
      )
    } finally {
      await quota.close()
      await own.destroy()
    }
  })

  it('refuses with 503 queue_unavailable when Redis was never reachable', async ({ queueName }) => {
    const gone = await RedisServer.start({ appendonly: false })
    await gone.destroy()
    const quota = await RedisClientLimits.create({
      url: gone.url,
      queueName,
      perMinute: 100,
      concurrent: 10,
      commandTimeoutMs: 500,
    })
    try {
      expect((await refusal(quota, 'key:k')).code).toBe('queue_unavailable')
    } finally {
      await quota.close()
    }
  })
})

describe('HttpServer with queue.url', () => {
  it('counts a key’s executions in progress across two API nodes', async ({ queueName }) => {
    const config = testConfig({
      queue: { url: redis.url, name: queueName },
      server: { port: 0, concurrency_per_key: 1 },
    })
    const servers = await Promise.all(
      ['api-a', 'api-b'].map((name) =>
        HttpServer.start({ executor: parkedExecutor(config, name), apiKeys: ApiKeys.of([]) }),
      ),
    )
    const [a, b] = servers as [HttpServer, HttpServer]
    const slots = new QueueKeys(queueName).slots('anonymous')
    const parked = postAndHold(a)
    try {
      await vi.waitFor(async () => expect(await look.zcard(slots)).toBe(1))

      const refused = await post(b)
      expect(refused.status).toBe(429)
      expect(refused.headers.get('retry-after')).toBe('1')
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
        'quota_exceeded',
      )

      parked.destroy()
      await vi.waitFor(async () => expect(await look.zcard(slots)).toBe(0))
    } finally {
      parked.destroy()
      await Promise.all(servers.map((server) => server.close({ graceMs: 0 })))
    }
    expect(await look.zcard(slots)).toBe(0)
  })
})

/** The in-memory limits with five executions spent: what a single node answers. */
async function fiveSpent(): Promise<ClientQuota> {
  const limits = new ClientLimits({ perMinute: 5, concurrent: 1_000, now: () => 0 })
  for (let i = 0; i < 5; i += 1) (await limits.acquire('key:k'))()
  return limits
}

/** Another process holding one slot of `client`, renewing it, until it is killed. */
async function holderProcess(queueName: string, client: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      HOLDER,
      redis.url,
      queueName,
      client,
      String(SLOT_TTL_MS),
      String(RENEW_EVERY_MS),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  try {
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string]
    expect(line).toBe('held')
    return child
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
}

const EXECUTION = JSON.stringify({ code: 'print(1)' })

function post(server: HttpServer): Promise<Response> {
  return fetch(`${server.url}/v1/executions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: EXECUTION,
  })
}

/** A request on a connection of its own, which `destroy()` hangs up. */
function postAndHold(server: HttpServer): ClientRequest {
  const held = request(`${server.url}/v1/executions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    agent: false,
  })
  held.on('error', () => {})
  held.end(EXECUTION)
  return held
}

/** An executor whose executions run until their caller hangs up: a slot held as long as we like. */
function parkedExecutor(config: SandboxConfig, node: string): Executor {
  return {
    config,
    node,
    execute: (request) =>
      new Promise((_, reject) => {
        request.signal?.addEventListener('abort', () => reject(new AbortedError()), { once: true })
      }),
    close: async () => {},
    gauges: async () => ({ queueDepth: 0, running: 0, workers: 1, lostJobs: 0 }),
    readiness: async () => ({ ready: true }),
  }
}

function recordingLogger(warnings: string[]): Logger {
  return {
    error() {},
    warn: (message) => warnings.push(message),
    info() {},
    debug() {},
  }
}
