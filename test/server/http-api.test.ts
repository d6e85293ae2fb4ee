import Docker from 'dockerode'
import { afterEach, describe, expect, it } from 'vitest'
import { DockerEngine } from '../../src/engine/docker-engine.js'
import { ConfigError } from '../../src/errors.js'
import { Sandbox } from '../../src/sandbox/sandbox.js'
import { ApiKeys } from '../../src/server/api-keys.js'
import { HttpServer } from '../../src/server/http-server.js'
import { DOCUMENTED_RESULT_FIELDS } from '../../src/server/openapi.js'
import {
  readEvents,
  TestServer,
  type TestServerOptions,
  waitForContainers,
} from '../support/http-server-fixture.js'
import { testConfig } from '../support/test-config.js'

const KEY = 'test-key-0123456789abcdef'
const SLEEPY = { code_execution: { allowed_operations: { imports: ['time'] } } }
/** Refused by the static policy: a full answer without a container. */
const REFUSED = { code: 'eval("1")' }

let server: TestServer | undefined

async function start(options: TestServerOptions = {}): Promise<TestServer> {
  server = await TestServer.start(options)
  return server
}

afterEach(async () => {
  const left = await server?.close()
  server = undefined
  expect(left ?? []).toStrictEqual([])
})

/** The value of one sample line of /metrics, e.g. `tinyagent_sandbox_executions_total{status="ok"}`. */
async function metric(s: TestServer, sample: string): Promise<number> {
  const text = await (await fetch(s.url('/metrics'))).text()
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `))
  return Number(line?.slice(sample.length + 1))
}

describe('POST /v1/executions', () => {
  it('runs the code and answers with the result that run --json prints, counted in /metrics', async () => {
    const s = await start()
    const okBefore = await metric(s, 'tinyagent_sandbox_executions_total{status="ok"}')
    const response = await s.post('/v1/executions', { code: 'print(6 * 7)' })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    const body = (await response.json()) as Record<string, unknown>
    expect(body).toMatchObject({
      status: 'ok',
      exitCode: 0,
      stdout: '42\n',
      stderr: '',
      violations: [],
      error: null,
    })
    expect(Object.keys(body)).toEqual(expect.arrayContaining(DOCUMENTED_RESULT_FIELDS))
    expect(await metric(s, 'tinyagent_sandbox_executions_total{status="ok"}')).toBe(okBefore + 1)
    expect(await metric(s, 'tinyagent_sandbox_execution_duration_seconds_count')).toBe(1)
    expect(await metric(s, 'tinyagent_sandbox_containers_running')).toBe(0)
  })

  it('streams stdout and stderr in the order written, without the runner frame, then the result', async () => {
    const s = await start({ config: { code_execution: { allow_dangerous_operations: true } } })
    const code = [
      'import sys, time',
      'print("a", flush=True)',
      'time.sleep(0.3)',
      'print("b", file=sys.stderr, flush=True)',
      'time.sleep(0.3)',
      'print("c", flush=True)',
    ].join('\n')
    const response = await s.post('/v1/executions?stream=true', { code })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    const events = await readEvents(response)
    // Python may write a line and its newline separately: compare runs of one stream.
    const runs: [string, string | undefined][] = []
    for (const { event, data } of events) {
      const text = (data as { text?: string }).text
      const last = runs.at(-1)
      if (last !== undefined && last[0] === event && text !== undefined)
        last[1] = `${last[1]}${text}`
      else runs.push([event, text])
    }
    expect(runs).toStrictEqual([
      ['stdout', 'a\n'],
      ['stderr', 'b\n'],
      ['stdout', 'c\n'],
      ['result', undefined],
    ])
    expect(events.at(-1)?.data).toMatchObject({ status: 'ok', stdout: 'a\nc\n', stderr: 'b\n' })
  })

  it('holds streamed stderr to limits.output_bytes, as the result does, and says output_limit', async () => {
    // Before: the runner report's allowance was room for the code: 3 MB went out over SSE
    // while the result said `ok` with 1 MiB kept.
    const s = await start({
      config: {
        code_execution: { allow_dangerous_operations: true, limits: { output_bytes: 65_536 } },
      },
    })
    const code =
      'import sys\nfor _ in range(30):\n    sys.stderr.write("e" * 100_000)\n    sys.stderr.flush()'
    const events = await readEvents(await s.post('/v1/executions?stream=true', { code }))
    const streamed = events
      .filter((e) => e.event === 'stderr')
      .map((e) => (e.data as { text: string }).text)
      .join('')
    const result = events.at(-1)?.data as { status: string; stderr: string; truncated: boolean }
    expect(streamed.length).toBe(65_536)
    expect(result).toMatchObject({ status: 'output_limit', truncated: true })
    expect(result.stderr).toBe(streamed)
  })

  it('cancels the execution and removes its container when the client hangs up', async () => {
    const s = await start({ config: SLEEPY })
    const hangUp = new AbortController()
    const pending = s.post(
      '/v1/executions',
      { code: 'import time\ntime.sleep(60)' },
      { signal: hangUp.signal },
    )
    await waitForContainers(s.instanceId, 1)
    hangUp.abort()
    await expect(pending).rejects.toThrow()
    await waitForContainers(s.instanceId, 0)
  })

  it('answers 429 queue_full with Retry-After when no slot and no queue place is free', async () => {
    const s = await start({
      config: { ...SLEEPY, orchestrator: { concurrency: 1, queue_limit: 0 } },
    })
    const hangUp = new AbortController()
    const first = s.post(
      '/v1/executions',
      { code: 'import time\ntime.sleep(60)' },
      { signal: hangUp.signal },
    )
    first.catch(() => {})
    await waitForContainers(s.instanceId, 1)
    const second = await s.post('/v1/executions', { code: 'print(1)' })
    expect(second.status).toBe(429)
    expect(second.headers.get('retry-after')).toBe('1')
    expect(await second.json()).toMatchObject({ error: { code: 'queue_full' } })
    hangUp.abort()
    await waitForContainers(s.instanceId, 0)
  })

  it('answers 429 quota_exceeded past server.concurrency_per_key', async () => {
    const s = await start({ config: { ...SLEEPY, server: { concurrency_per_key: 1 } } })
    const hangUp = new AbortController()
    const first = s.post(
      '/v1/executions',
      { code: 'import time\ntime.sleep(60)' },
      { signal: hangUp.signal },
    )
    first.catch(() => {})
    await waitForContainers(s.instanceId, 1)
    const second = await s.post('/v1/executions', REFUSED)
    expect(second.status).toBe(429)
    expect(await second.json()).toMatchObject({ error: { code: 'quota_exceeded' } })
    hangUp.abort()
    await waitForContainers(s.instanceId, 0)
  })
})

describe('refusals at the edge (no container starts)', () => {
  it('answers 400 naming the field for each malformed input', async () => {
    const s = await start()
    const cases: [string, unknown, boolean, string, string][] = [
      ['/v1/executions', '{"code":', true, 'invalid_json', 'The request body is not valid JSON.'],
      [
        '/v1/executions',
        [1],
        false,
        'invalid_argument',
        'Invalid `body`: expected an object, got an array',
      ],
      [
        '/v1/executions',
        { code: 1 },
        false,
        'invalid_argument',
        'Invalid `code`: expected a string, got number 1',
      ],
      [
        '/v1/executions',
        { code: 'print(1)', cmd: 'x' },
        false,
        'invalid_argument',
        'Invalid `cmd`: unknown key; expected one of: code, setupCode, timeoutSeconds, limits, files',
      ],
      [
        '/v1/executions',
        { code: 'print(1)', timeoutSeconds: '5' },
        false,
        'invalid_argument',
        'Invalid `timeoutSeconds`: expected a number, got the string "5" (write the number without quotes or units)',
      ],
      [
        '/v1/executions',
        { code: 'print(1)', limits: { memory: 1 } },
        false,
        'invalid_argument',
        'Invalid `limits.memory`: unknown key; expected one of: memory_mb, cpus, pids, output_bytes, tmpfs_mb, open_files, workspace_mb, returned_file_bytes, returned_total_bytes, returned_files, artifact_bytes, artifacts',
      ],
      [
        '/v1/executions',
        { code: 'print(1)', files: [{ name: 'a.txt' }] },
        false,
        'invalid_argument',
        'Invalid `files[0].content`: expected a string, got nothing',
      ],
      [
        '/v1/executions?stream=yes',
        { code: 'print(1)' },
        false,
        'invalid_argument',
        'Invalid `stream`: expected true or false.',
      ],
      [
        '/v1/executions?verbose=1',
        { code: 'print(1)' },
        false,
        'invalid_argument',
        'Unknown query parameter `verbose`; expected: stream.',
      ],
    ]
    for (const [path, body, raw, code, message] of cases) {
      const response = await s.post(path, body, { raw })
      expect({ path, body, status: response.status, json: await response.json() }).toStrictEqual({
        path,
        body,
        status: 400,
        json: { error: expect.objectContaining({ code, message }) },
      })
    }
  })

  it('refuses a request that would loosen the configured limits, naming the setting', async () => {
    const s = await start()
    const timeout = await s.post('/v1/executions', { code: 'print(1)', timeoutSeconds: 11 })
    expect(timeout.status).toBe(400)
    expect(await timeout.json()).toStrictEqual({
      error: {
        code: 'invalid_argument',
        message:
          'Expected `timeoutSeconds` to be at most 10 (code_execution.timeout_seconds), got 11',
      },
    })
    const memory = await s.post('/v1/executions', { code: 'print(1)', limits: { memory_mb: 512 } })
    expect(memory.status).toBe(400)
    expect(await memory.json()).toStrictEqual({
      error: {
        code: 'invalid_argument',
        message:
          'Expected `limits.memory_mb` to be at most 256 (code_execution.limits.memory_mb), got 512',
      },
    })
  })

  it('answers 413 payload_too_large past server.body_limit_bytes', async () => {
    const s = await start({ config: { server: { body_limit_bytes: 1_024 } } })
    const response = await s.post('/v1/executions', { code: `# ${'x'.repeat(2_000)}` })
    expect(response.status).toBe(413)
    expect(await response.json()).toStrictEqual({
      error: {
        code: 'payload_too_large',
        message: 'The request body is larger than the server accepts (server.body_limit_bytes).',
      },
    })
  })

  it('answers 415 for a body that is not JSON', async () => {
    const s = await start()
    const response = await fetch(s.url('/v1/executions'), {
      method: 'POST',
      body: 'print(1)',
      headers: { 'content-type': 'text/plain' },
    })
    expect(response.status).toBe(415)
    expect(await response.json()).toMatchObject({ error: { code: 'unsupported_media_type' } })
  })

  it('answers 429 rate_limited with Retry-After past server.rate_limit_per_minute', async () => {
    const s = await start({ config: { server: { rate_limit_per_minute: 1 } } })
    expect((await s.post('/v1/executions', REFUSED)).status).toBe(200)
    const limited = await s.post('/v1/executions', REFUSED)
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(await limited.json()).toMatchObject({ error: { code: 'rate_limited' } })
  })
})

describe('API keys', () => {
  it('answers 401 without a key or with a wrong one, and runs with the right one', async () => {
    const s = await start({ keys: [KEY] })
    const missing = await s.post('/v1/executions', REFUSED)
    expect(missing.status).toBe(401)
    expect(missing.headers.get('www-authenticate')).toBe('Bearer')
    expect(await missing.json()).toStrictEqual({
      error: {
        code: 'unauthorized',
        message: 'This server needs an API key: send `Authorization: Bearer KEY`.',
      },
    })
    const wrong = await s.post('/v1/executions', REFUSED, {
      headers: { authorization: `Bearer ${KEY}x` },
    })
    expect(wrong.status).toBe(401)
    expect(await wrong.json()).toStrictEqual({
      error: { code: 'unauthorized', message: 'The API key is not valid.' },
    })
    expect((await fetch(s.url('/metrics'))).status).toBe(401)
    const right = await s.post('/v1/executions', REFUSED, {
      headers: { authorization: `Bearer ${KEY}` },
    })
    expect(right.status).toBe(200)
    expect(await right.json()).toMatchObject({
      status: 'policy_violation',
      violations: [{ rule: 'eval-call' }],
    })
    expect((await fetch(s.url('/healthz'))).status).toBe(200)
  })

  it('refuses to start on a non-loopback address without keys', async () => {
    const config = testConfig({ server: { host: '0.0.0.0', port: 0 } })
    const engine = new DockerEngine()
    const sandbox = await Sandbox.create({ config, engine })
    try {
      const starting = HttpServer.start({ executor: sandbox, apiKeys: ApiKeys.of([]) })
      await expect(starting).rejects.toBeInstanceOf(ConfigError)
      await expect(starting).rejects.toThrow(
        /refusing to listen on `0\.0\.0\.0` without API keys: set TINYAGENT_SANDBOX_API_KEYS/,
      )
    } finally {
      await sandbox.close()
    }
  })
})

describe('status routes', () => {
  it('/healthz and /readyz answer ok with the engine up and the image present', async () => {
    const s = await start()
    expect(await (await fetch(s.url('/healthz'))).json()).toStrictEqual({ status: 'ok' })
    const ready = await fetch(s.url('/readyz'))
    expect(ready.status).toBe(200)
    expect(await ready.json()).toStrictEqual({ status: 'ready' })
  })

  it('/readyz answers 503 image_missing when the configured image is absent', async () => {
    const s = await start({
      config: { code_execution: { image: 'tinyagent-sandbox/no-such-image' } },
    })
    const ready = await fetch(s.url('/readyz'))
    expect(ready.status).toBe(503)
    expect(await ready.json()).toMatchObject({ error: { code: 'image_missing' } })
  })

  it('/readyz answers 503 engine_unavailable without naming the engine socket', async () => {
    const engine = new DockerEngine({
      docker: new Docker({ socketPath: '/nonexistent/docker.sock' }),
    })
    const s = await start({ engine })
    const ready = await fetch(s.url('/readyz'))
    expect(ready.status).toBe(503)
    const text = await ready.text()
    expect(JSON.parse(text)).toStrictEqual({
      error: {
        code: 'engine_unavailable',
        message: 'The container engine is unreachable; the server log has the details.',
      },
    })
    expect(text).not.toContain('/nonexistent')
  })

  it('/openapi.json describes the request with the library schema fields', async () => {
    const s = await start()
    const doc = (await (await fetch(s.url('/openapi.json'))).json()) as {
      openapi: string
      components: {
        schemas: { ExecuteRequest: { properties: Record<string, unknown>; required: string[] } }
      }
    }
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.components.schemas.ExecuteRequest.properties)).toStrictEqual([
      'code',
      'setupCode',
      'timeoutSeconds',
      'limits',
      'files',
    ])
    expect(doc.components.schemas.ExecuteRequest.required).toStrictEqual(['code'])
  })

  it('answers unknown routes with 404 not_found in the error shape', async () => {
    const s = await start()
    const response = await fetch(s.url('/v2/nothing'))
    expect(response.status).toBe(404)
    expect(await response.json()).toStrictEqual({
      error: { code: 'not_found', message: 'No route GET /v2/nothing; see /openapi.json.' },
    })
  })
})
