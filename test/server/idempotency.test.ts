import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import type { ExecutionResult } from '../../src/sandbox/execution-result.js'
import { CountingEngine } from '../support/counting-engine.js'
import {
  readEvents,
  TestServer,
  type TestServerOptions,
  waitForContainers,
} from '../support/http-server-fixture.js'

const SLEEPY = { code_execution: { allowed_operations: { imports: ['time'] } } }
const PRINT = { code: 'print("once")' }
/** Runs long enough for a repeat to arrive while it runs. */
const SLOW = { code: 'import time\nprint("start", flush=True)\ntime.sleep(2)\nprint("end")' }

let server: TestServer | undefined

afterEach(async () => {
  const left = await server?.close()
  server = undefined
  expect(left ?? []).toStrictEqual([])
})

/** A server over the real engine, counting the containers it starts. */
async function start(
  options: TestServerOptions = {},
): Promise<{ s: TestServer; engine: CountingEngine }> {
  const engine = new CountingEngine()
  server = await TestServer.start({ config: SLEEPY, ...options, engine })
  return { s: server, engine }
}

function keyed(key: string, headers: Record<string, string> = {}): RequestInit {
  return { headers: { 'idempotency-key': key, ...headers } }
}

async function resultOf(response: Response): Promise<ExecutionResult> {
  expect(response.status).toBe(200)
  return (await response.json()) as ExecutionResult
}

describe('Idempotency-Key on POST /v1/executions', () => {
  it('answers a repeat with the first result, marked replayed, after one run', async () => {
    const { s, engine } = await start()
    const key = randomUUID()
    const first = await s.post('/v1/executions', PRINT, keyed(key))
    const second = await s.post('/v1/executions', PRINT, keyed(key))
    expect(first.headers.get('idempotent-replayed')).toBeNull()
    expect(second.headers.get('idempotent-replayed')).toBe('true')
    const [a, b] = [await resultOf(first), await resultOf(second)]
    expect(b).toStrictEqual(a)
    expect(a).toMatchObject({ status: 'ok', stdout: 'once\n' })
    expect(engine.runs).toBe(1)
  })

  it('makes concurrent repeats wait for the one run and answers each with its result', async () => {
    const { s, engine } = await start()
    const key = randomUUID()
    const responses = await Promise.all(
      [0, 1, 2].map(() => s.post('/v1/executions', SLOW, keyed(key))),
    )
    const results = await Promise.all(responses.map(resultOf))
    expect(new Set(results.map((r) => r.id)).size).toBe(1)
    expect(results[0]).toMatchObject({ status: 'ok', stdout: 'start\nend\n' })
    const replayed = responses.map((r) => r.headers.get('idempotent-replayed'))
    expect(replayed.filter((h) => h === null)).toHaveLength(1)
    expect(replayed.filter((h) => h === 'true')).toHaveLength(2)
    expect(engine.runs).toBe(1)
  })

  it('answers 409 idempotency_conflict to the same key with another body', async () => {
    const { s, engine } = await start()
    const key = randomUUID()
    await resultOf(await s.post('/v1/executions', PRINT, keyed(key)))
    const other = await s.post('/v1/executions', { code: 'print("twice")' }, keyed(key))
    expect(other.status).toBe(409)
    expect(other.headers.get('retry-after')).toBeNull()
    expect(await other.json()).toStrictEqual({
      error: {
        code: 'idempotency_conflict',
        message: `The \`Idempotency-Key\` \`${key}\` was used with another request body within server.idempotency_ttl_seconds; send a new key with a new request.`,
        field: 'Idempotency-Key',
      },
    })
    expect(engine.runs).toBe(1)
  })

  it('takes the same body in another key order as the same request', async () => {
    const { s, engine } = await start()
    const key = randomUUID()
    const body = { code: 'print(1)', timeoutSeconds: 5, limits: { memory_mb: 128, pids: 32 } }
    const reordered = `{"limits":{"pids":32,"memory_mb":128},"timeoutSeconds":5,"code":"print(1)"}`
    const a = await resultOf(await s.post('/v1/executions', body, keyed(key)))
    const b = await resultOf(
      await s.post('/v1/executions', reordered, { ...keyed(key), raw: true }),
    )
    expect(b.id).toBe(a.id)
    expect(engine.runs).toBe(1)
  })

  it('answers a JSON retry of a streamed request with the streamed result', async () => {
    const { s, engine } = await start()
    const key = randomUUID()
    const streamed = await s.post('/v1/executions?stream=true', PRINT, keyed(key))
    const events = await readEvents(streamed)
    const result = events.at(-1)
    expect(result?.event).toBe('result')
    const retried = await s.post('/v1/executions', PRINT, keyed(key))
    expect(retried.headers.get('idempotent-replayed')).toBe('true')
    expect(await resultOf(retried)).toStrictEqual(result?.data)
    expect(engine.runs).toBe(1)
  })

  it('replays a stream as its whole stdout and stderr, then the result event', async () => {
    const { s, engine } = await start()
    const key = randomUUID()
    const body = { code: 'print("out")\nraise ValueError("x")' }
    const first = await resultOf(await s.post('/v1/executions', body, keyed(key)))
    expect(first).toMatchObject({ status: 'error', stdout: 'out\n' })
    const replayed = await s.post('/v1/executions?stream=true', body, keyed(key))
    expect(replayed.headers.get('content-type')).toMatch(/^text\/event-stream/)
    expect(replayed.headers.get('idempotent-replayed')).toBe('true')
    expect(await readEvents(replayed)).toStrictEqual([
      { event: 'stdout', data: { text: 'out\n' } },
      { event: 'stderr', data: { text: first.stderr } },
      { event: 'result', data: first },
    ])
    expect(engine.runs).toBe(1)
  })

  it('keeps running after its client hangs up, and a retry gets its result', async () => {
    const { s, engine } = await start()
    const key = randomUUID()
    const hangUp = new AbortController()
    const first = s.post('/v1/executions?stream=true', SLOW, {
      ...keyed(key),
      signal: hangUp.signal,
    })
    first.catch(() => {})
    await waitForContainers(s.instanceId, 1)
    hangUp.abort()
    const retried = await s.post('/v1/executions', SLOW, keyed(key))
    expect(retried.headers.get('idempotent-replayed')).toBe('true')
    expect(await resultOf(retried)).toMatchObject({ status: 'ok', stdout: 'start\nend\n' })
    expect(engine.runs).toBe(1)
  })

  it('holds its key’s quota slot until the execution ends, though its client hung up', async () => {
    const { s } = await start({ config: { ...SLEEPY, server: { concurrency_per_key: 1 } } })
    const key = randomUUID()
    const hangUp = new AbortController()
    s.post('/v1/executions', SLOW, { ...keyed(key), signal: hangUp.signal }).catch(() => {})
    await waitForContainers(s.instanceId, 1)
    hangUp.abort()
    const refused = await s.post('/v1/executions', PRINT)
    expect(refused.status).toBe(429)
    expect(await refused.json()).toMatchObject({ error: { code: 'quota_exceeded' } })
    await waitForContainers(s.instanceId, 0)
    await expect.poll(async () => (await s.post('/v1/executions', PRINT)).status).toBe(200)
  })

  it('answers 409 with Retry-After when the first still runs after server.response_timeout_seconds', async () => {
    const { s, engine } = await start({
      config: { ...SLEEPY, server: { response_timeout_seconds: 1 } },
    })
    const key = randomUUID()
    const first = s.post('/v1/executions', SLOW, keyed(key))
    await waitForContainers(s.instanceId, 1)
    const repeat = await s.post('/v1/executions', SLOW, keyed(key))
    expect(repeat.status).toBe(409)
    expect(repeat.headers.get('retry-after')).toBe('1')
    expect(await repeat.json()).toMatchObject({
      error: { code: 'idempotency_conflict', field: 'Idempotency-Key' },
    })
    const result = await resultOf(await first)
    const later = await resultOf(await s.post('/v1/executions', SLOW, keyed(key)))
    expect(later.id).toBe(result.id)
    expect(engine.runs).toBe(1)
  })

  it('keeps no answer for a request refused before it ran: a retry runs', async () => {
    const { s, engine } = await start({
      config: { ...SLEEPY, orchestrator: { concurrency: 1, queue_limit: 0 } },
    })
    const key = randomUUID()
    const invalid = await s.post('/v1/executions', { code: 'print(1)', cmd: 'x' }, keyed(key))
    expect(invalid.status).toBe(400)

    const hangUp = new AbortController()
    const busy = s.post(
      '/v1/executions',
      { code: 'import time\ntime.sleep(60)' },
      { signal: hangUp.signal },
    )
    busy.catch(() => {})
    await waitForContainers(s.instanceId, 1)
    const full = await s.post('/v1/executions', PRINT, keyed(key))
    expect(full.status).toBe(429)
    expect(await full.json()).toMatchObject({ error: { code: 'queue_full' } })
    hangUp.abort()
    await waitForContainers(s.instanceId, 0)

    const ran = await s.post('/v1/executions', PRINT, keyed(key))
    expect(ran.headers.get('idempotent-replayed')).toBeNull()
    expect(await resultOf(ran)).toMatchObject({ status: 'ok', stdout: 'once\n' })
    expect(engine.runs).toBe(2)
  })

  it('scopes keys to their API key', async () => {
    const keys = ['test-key-aaaaaaaaaaaaaaaa', 'test-key-bbbbbbbbbbbbbbbb']
    const { s, engine } = await start({ keys })
    const results = await Promise.all(
      keys.map(async (apiKey) =>
        resultOf(
          await s.post(
            '/v1/executions',
            PRINT,
            keyed('shared', { authorization: `Bearer ${apiKey}` }),
          ),
        ),
      ),
    )
    expect(new Set(results.map((r) => r.id)).size).toBe(2)
    expect(engine.runs).toBe(2)
  })

  it('refuses a malformed key with 400 invalid_argument naming the header, running nothing', async () => {
    const { s, engine } = await start()
    const response = await s.post('/v1/executions', PRINT, keyed('not a key'))
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({
      error: { code: 'invalid_argument', field: 'Idempotency-Key' },
    })
    expect(engine.runs).toBe(0)
  })
})
