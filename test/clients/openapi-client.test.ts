import { readFile } from 'node:fs/promises'
import { EventSourceParserStream } from 'eventsource-parser/stream'
import createClient from 'openapi-fetch'
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest'
import type { ExecutionResult as LibraryResult } from '../../src/sandbox/execution-result.js'
import {
  errorBodySchema,
  healthSchema,
  outputChunkSchema,
  readinessSchema,
} from '../../src/server/response-schemas.js'
import { executionResultSchema } from '../../src/server/result-schema.js'
import { TestServer, type TestServerOptions } from '../support/http-server-fixture.js'
import type { components, paths } from './generated/openapi.js'
import { GENERATED_TYPES, renderOpenApiTypes } from './render-openapi-types.js'

type ExecutionResult = components['schemas']['ExecutionResult']
type ErrorBody = components['schemas']['Error']

/** A type as JSON carries it: nothing readonly, no optional field set to `undefined`. */
type Json<T> = T extends readonly unknown[]
  ? { -readonly [K in keyof T]: Json<T[K]> }
  : T extends object
    ? { -readonly [K in keyof T]: Json<Exclude<T[K], undefined>> }
    : T

const KEY = 'client-key-0123456789abcdef'

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

/**
 * A client generated from /openapi.json (openapi-typescript types, openapi-fetch), against
 * the real server: each call type-checks (`tsc --noEmit` covers this file) and each real
 * answer validates against the strict zod schema the document was made from.
 */
describe('a client generated from /openapi.json', () => {
  it('is generated from the document the server serves, and is up to date', async () => {
    const s = await start()
    const client = createClient<paths, 'application/json'>({ baseUrl: s.http.url })
    const { data } = await client.GET('/openapi.json')
    expect(data).toBeDefined()
    const served = await renderOpenApiTypes(data as Record<string, unknown>)
    const committed = await readFile(GENERATED_TYPES, 'utf8')
    expect(served, 'run `npx tsx scripts/write-openapi-types.ts`').toBe(committed)
  })

  it("generates the library's own result type", () => {
    expectTypeOf<Json<ExecutionResult>>().toEqualTypeOf<Json<LibraryResult>>()
  })

  it('types a JSON answer as the result, not as a string, and the answer is that result', async () => {
    const s = await start({
      config: {
        code_execution: {
          allowed_operations: { file_operations: true, imports: ['matplotlib'] },
        },
      },
    })
    // The media type picks the JSON answer: without it, openapi-fetch types `data` as the
    // union of the JSON result and the event stream's string.
    const client = createClient<paths, 'application/json'>({ baseUrl: s.http.url })
    const code = [
      'import matplotlib.pyplot as plt',
      'plt.plot([1, 2, 3])',
      "with open('out.txt', 'w') as f:",
      "    f.write('hi')",
      'print(6 * 7)',
      '1 + 1',
    ].join('\n')
    const { data, error, response } = await client.POST('/v1/executions', { body: { code } })
    // openapi-fetch reads a tuple (`table.shape`) as an array, so `data` is the generated
    // type widened there; it is never the stream's string.
    expectTypeOf<ExecutionResult>().toExtend<NonNullable<typeof data>>()
    expectTypeOf(data?.receipt).toEqualTypeOf<ExecutionResult['receipt'] | undefined>()
    expectTypeOf<Extract<typeof data, string>>().toBeNever()
    expect(error).toBeUndefined()
    expect(response.status).toBe(200)
    const result = executionResultSchema.parse(data)
    expect(result).toMatchObject({
      status: 'ok',
      stdout: '42\n',
      files: [{ name: 'out.txt', size: 2, contentBase64: 'aGk=', truncated: false }],
      artifacts: [{ type: 'image/png', name: 'figure-1.png' }],
      result: { repr: '2', type: 'int', reprTruncated: false },
    })
    expect(data?.receipt.limits.memory_mb).toBe(256)

    // Without it, `data` may be the event stream's string too.
    const untyped = createClient<paths>({ baseUrl: s.http.url })
    const loose = await untyped.POST('/v1/executions', { body: { code: 'eval("1")' } })
    expectTypeOf<Extract<typeof loose.data, string>>().toEqualTypeOf<string>()
    expect(executionResultSchema.parse(loose.data).status).toBe('policy_violation')
  })

  it('validates refusals and Python errors, violations and errors as full objects', async () => {
    const s = await start()
    const client = createClient<paths, 'application/json'>({ baseUrl: s.http.url })
    const refused = await client.POST('/v1/executions', { body: { code: 'eval("1")' } })
    expect(executionResultSchema.parse(refused.data)).toMatchObject({
      status: 'policy_violation',
      violations: [{ rule: 'eval-call', line: 1, column: 1, text: 'eval("1")' }],
      receipt: { imageId: null, runtime: null },
    })
    const raised = await client.POST('/v1/executions', { body: { code: '1 / 0' } })
    expect(executionResultSchema.parse(raised.data)).toMatchObject({
      status: 'error',
      error: { name: 'ZeroDivisionError', value: 'division by zero' },
    })
  })

  it('types and validates the error answers', async () => {
    const s = await start({ keys: [KEY] })
    const client = createClient<paths, 'application/json'>({ baseUrl: s.http.url })
    const unauthorized = await client.POST('/v1/executions', { body: { code: 'print(1)' } })
    expectTypeOf(unauthorized.error).toEqualTypeOf<ErrorBody | undefined>()
    expect(unauthorized.response.status).toBe(401)
    expect(unauthorized.response.headers.get('www-authenticate')).toBe('Bearer')
    expect(errorBodySchema.parse(unauthorized.error).error.code).toBe('unauthorized')

    const keyed = createClient<paths, 'application/json'>({
      baseUrl: s.http.url,
      headers: { authorization: `Bearer ${KEY}` },
    })
    const tooMuch = await keyed.POST('/v1/executions', {
      body: { code: 'print(1)', limits: { memory_mb: 100_000 } },
    })
    expect(tooMuch.response.status).toBe(400)
    expect(errorBodySchema.parse(tooMuch.error).error).toMatchObject({
      code: 'invalid_argument',
      field: 'limits.memory_mb',
    })
  })

  it('reads the event stream, each event validating against its documented schema', async () => {
    const s = await start({ config: { code_execution: { allow_dangerous_operations: true } } })
    const client = createClient<paths>({ baseUrl: s.http.url })
    const { data, response } = await client.POST('/v1/executions', {
      params: { query: { stream: true } },
      body: { code: 'import sys\nprint("out")\nprint("err", file=sys.stderr)' },
      parseAs: 'stream',
    })
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    if (data === null || data === undefined) throw new Error('expected a body')
    // As docs/api.md advises: fetch and a streaming SSE parser, not EventSource.
    const events = data
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream())
    const seen: string[] = []
    for await (const { event = 'message', data: payload } of events) {
      seen.push(event)
      if (event === 'stdout' || event === 'stderr') {
        const chunk: components['schemas']['OutputChunk'] = outputChunkSchema.parse(
          JSON.parse(payload),
        )
        expect(chunk.text).not.toBe('')
      } else {
        expect(event).toBe('result')
        const result = executionResultSchema.parse(JSON.parse(payload))
        expect(result).toMatchObject({ status: 'ok', stdout: 'out\n', stderr: 'err\n' })
      }
    }
    expect(seen).toContain('stdout')
    expect(seen).toContain('stderr')
    expect(seen.at(-1)).toBe('result')
  })

  it('types and validates the probes and metrics', async () => {
    const s = await start()
    const client = createClient<paths, 'application/json'>({ baseUrl: s.http.url })
    const health = await client.GET('/healthz')
    expectTypeOf(health.data).toEqualTypeOf<{ status: 'ok' } | undefined>()
    expect(healthSchema.parse(health.data)).toStrictEqual({ status: 'ok' })
    const ready = await client.GET('/readyz')
    expect(readinessSchema.parse(ready.data)).toStrictEqual({ status: 'ready' })
    const metrics = await createClient<paths>({ baseUrl: s.http.url }).GET('/metrics', {
      parseAs: 'text',
    })
    expect(metrics.data).toContain('tinyagent_sandbox_executions_total')
  })
})
