import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { afterAll, it as base, beforeAll, describe, expect } from 'vitest'
import { AbortedError, QueueUnavailableError } from '../../src/errors.js'
import { QueueKeys } from '../../src/queue/queue-keys.js'
import type { ExecutionResult } from '../../src/sandbox/execution-result.js'
import type {
  Claim,
  ClaimRequest,
  IdempotencyLease,
  StoredAnswer,
} from '../../src/server/idempotency.js'
import {
  RedisIdempotencyStore,
  type RedisIdempotencyStoreOptions,
} from '../../src/server/idempotency-redis-store.js'
import { CountingEngine } from '../support/counting-engine.js'
import { TestServer } from '../support/http-server-fixture.js'
import { RedisServer } from '../support/redis-server.js'

/** Short leases, so a crashed node's key frees itself within the test. */
const LEASE_MS = 1_000
const RENEW_EVERY_MS = 200

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
 * `node()` starts one more "API node" (its own store and connection) on the shared Redis;
 * every node of a test shares one queue name of its own, and is closed after the test.
 */
const it = base.extend<{
  queueName: string
  node: (options?: Partial<RedisIdempotencyStoreOptions>) => Promise<RedisIdempotencyStore>
}>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads fixture dependencies from this pattern
  queueName: async ({}, use) => use(`idempotency-${randomUUID().slice(0, 8)}`),
  node: async ({ queueName }, use) => {
    const nodes: RedisIdempotencyStore[] = []
    try {
      await use(async (options = {}) => {
        const node = await RedisIdempotencyStore.create({
          url: redis.url,
          queueName,
          ttlMs: 60_000,
          leaseMs: LEASE_MS,
          renewEveryMs: RENEW_EVERY_MS,
          pollMs: 50,
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

function request(overrides: Partial<ClaimRequest> = {}): ClaimRequest {
  return { client: 'key:0a0b0c0d', key: 'k-1', digest: 'body-1', waitMs: 5_000, ...overrides }
}

function answer(stdout: string): StoredAnswer {
  return { result: { id: `id-${stdout}`, status: 'ok', stdout } as unknown as ExecutionResult }
}

function leaseOf(claim: Claim): IdempotencyLease {
  if (claim.kind !== 'lease') throw new Error(`expected a lease, got ${claim.kind}`)
  return claim.lease
}

describe('RedisIdempotencyStore, two API nodes on one Redis', () => {
  it('answers a repeat on the other node with the first answer, kept for ttlMs', async ({
    node,
    queueName,
  }) => {
    const [a, b] = [await node({ ttlMs: 5_000 }), await node({ ttlMs: 5_000 })]
    await leaseOf(await a.claim(request())).finish(answer('42\n'))
    expect(await b.claim(request())).toStrictEqual({ kind: 'replay', answer: answer('42\n') })
    const ttl = await look.pttl(new QueueKeys(queueName).idempotency('key:0a0b0c0d', 'k-1'))
    expect(ttl).toBeGreaterThan(4_000)
    expect(ttl).toBeLessThanOrEqual(5_000)
  })

  it('makes a repeat on the other node wait for the running first one', async ({ node }) => {
    const [a, b] = [await node(), await node()]
    const lease = leaseOf(await a.claim(request()))
    const repeat = b.claim(request())
    await new Promise((resolve) => setTimeout(resolve, 200))
    await lease.finish(answer('done\n'))
    expect(await repeat).toStrictEqual({ kind: 'replay', answer: answer('done\n') })
  })

  it('answers another body as a conflict, while running and once answered', async ({ node }) => {
    const [a, b] = [await node(), await node()]
    const lease = leaseOf(await a.claim(request()))
    expect(await b.claim(request({ digest: 'body-2' }))).toStrictEqual({ kind: 'conflict' })
    await lease.finish(answer('1\n'))
    expect(await b.claim(request({ digest: 'body-2' }))).toStrictEqual({ kind: 'conflict' })
  })

  it('gives a waiting repeat the lease when the first gives the key back', async ({ node }) => {
    const [a, b] = [await node(), await node()]
    const lease = leaseOf(await a.claim(request()))
    const repeat = b.claim(request())
    await lease.release()
    const next = leaseOf(await repeat)
    await next.finish(answer('second\n'))
    expect(await a.claim(request())).toStrictEqual({ kind: 'replay', answer: answer('second\n') })
  })

  it('keeps a running key past leaseMs while its node renews it', async ({ node }) => {
    const [a, b] = [await node(), await node()]
    const lease = leaseOf(await a.claim(request()))
    expect(await b.claim(request({ waitMs: 3 * LEASE_MS }))).toStrictEqual({ kind: 'busy' })
    await lease.release()
  })

  it('frees the key of a node that died mid-run within leaseMs', async ({ node }) => {
    const [a, b] = [await node(), await node()]
    leaseOf(await a.claim(request()))
    await a.close()
    expect((await b.claim(request({ waitMs: 3 * LEASE_MS }))).kind).toBe('lease')
  })

  it('scopes keys to their client', async ({ node }) => {
    const [a, b] = [await node(), await node()]
    await leaseOf(await a.claim(request())).finish(answer('1\n'))
    expect((await b.claim(request({ client: 'anonymous' }))).kind).toBe('lease')
  })

  it('stops waiting with AbortedError when the repeat’s client hangs up', async ({ node }) => {
    const [a, b] = [await node(), await node()]
    leaseOf(await a.claim(request()))
    const hangUp = new AbortController()
    const repeat = b.claim(request({ signal: hangUp.signal }))
    hangUp.abort()
    await expect(repeat).rejects.toBeInstanceOf(AbortedError)
  })

  it('refuses with queue_unavailable when Redis is unreachable', async ({ queueName }) => {
    const gone = await RedisServer.start({ appendonly: false })
    const store = await RedisIdempotencyStore.create({ url: gone.url, queueName, ttlMs: 60_000 })
    try {
      await gone.stop()
      await expect(store.claim(request())).rejects.toBeInstanceOf(QueueUnavailableError)
    } finally {
      await store.close()
      await gone.destroy()
    }
  })
})

describe('HttpServer with queue.url', () => {
  it('answers a repeat sent to another API node with the first result, after one run', async ({
    queueName,
  }) => {
    const engine = new CountingEngine()
    const config = { queue: { url: redis.url, name: queueName } }
    const servers = await Promise.all([0, 1].map(() => TestServer.start({ config, engine })))
    const [a, b] = servers as [TestServer, TestServer]
    try {
      const headers = { 'idempotency-key': randomUUID() }
      const body = { code: 'print("once")' }
      const first = await a.post('/v1/executions', body, { headers })
      const second = await b.post('/v1/executions', body, { headers })
      expect([first.status, second.status]).toStrictEqual([200, 200])
      expect(second.headers.get('idempotent-replayed')).toBe('true')
      expect(await second.json()).toStrictEqual(await first.json())
      expect(engine.runs).toBe(1)
    } finally {
      const left = await Promise.all(servers.map((server) => server.close()))
      expect(left.flat()).toStrictEqual([])
    }
  })

  it('keeps the shut_down of a node drained mid-run: the other node replays it', async ({
    queueName,
  }) => {
    const engine = new CountingEngine()
    const config = {
      code_execution: { allowed_operations: { imports: ['time'] } },
      queue: { url: redis.url, name: queueName },
    }
    const servers = await Promise.all([0, 1].map(() => TestServer.start({ config, engine })))
    const [a, b] = servers as [TestServer, TestServer]
    try {
      const headers = { 'idempotency-key': randomUUID() }
      const body = { code: 'import time\ntime.sleep(30)' }
      const first = a.post('/v1/executions', body, { headers })
      await expect.poll(() => engine.runs).toBe(1)
      await a.close()
      expect((await first).status).toBe(503)
      const repeat = await b.post('/v1/executions', body, { headers })
      expect(repeat.status).toBe(503)
      expect(repeat.headers.get('idempotent-replayed')).toBe('true')
      expect(repeat.headers.get('retry-after')).toBeNull()
      expect(await repeat.json()).toMatchObject({ error: { code: 'shut_down' } })
      expect(engine.runs).toBe(1)
    } finally {
      const left = await Promise.all(servers.map((server) => server.close()))
      expect(left.flat()).toStrictEqual([])
    }
  })
})
