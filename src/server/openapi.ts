import { z } from 'zod'
import { executionBodySchema } from './execution-body.js'
import type { HttpErrorCode } from './http-errors.js'
import {
  errorBodySchema,
  healthSchema,
  outputChunkSchema,
  readinessSchema,
  statusOf,
} from './response-schemas.js'
import { RESULT_PARTS } from './result-schema.js'

export { DOCUMENTED_RESULT_FIELDS } from './result-schema.js'

/** When each error code is answered; the document lists them under their status. */
const WHEN: Record<HttpErrorCode, string> = {
  invalid_argument:
    'a wrong type, an unknown field or query parameter, or a limit above the configured one (`field` names it)',
  invalid_json: 'the body is not JSON',
  malformed_request: 'not well-formed HTTP, a malformed URL, or HTTP/1.1 without `Host`',
  unauthorized: 'API keys are configured and the request has none or a wrong one',
  not_found: 'no such route',
  request_timeout: 'the request did not arrive within `server.request_timeout_seconds`',
  payload_too_large: 'the body is over `server.body_limit_bytes`',
  unsupported_media_type: 'the body was not sent as `application/json`',
  headers_too_large: "the request headers are over Node's limit",
  rate_limited: 'over `server.rate_limit_per_minute` for this key',
  quota_exceeded: 'over `server.concurrency_per_key` executions in progress for this key',
  queue_full: '`orchestrator.concurrency` busy and `orchestrator.queue_limit` waiting',
  aborted: 'the execution was cancelled',
  config_invalid: 'the server configuration is broken',
  internal: 'a bug; the server log has the details',
  engine_unavailable: 'the container engine is unreachable',
  image_missing: 'the sandbox image is missing',
  shut_down: 'the server is draining',
  queue_unavailable: 'the execution queue (Redis) or its workers are unreachable',
  deadline_exceeded: 'no worker took the execution within `queue.max_wait_seconds`; it never ran',
  idempotency_conflict:
    'the `Idempotency-Key` was used with another request body (send a new key), or, with `Retry-After`, its first request still runs after `server.response_timeout_seconds` (retry for its answer)',
}

/** What any route can answer: Node's parser, the request hook, a drain, a bug. */
const ANY_ROUTE: readonly HttpErrorCode[] = [
  'malformed_request',
  'request_timeout',
  'headers_too_large',
  'internal',
  'shut_down',
]
/** Routes that need `Authorization: Bearer KEY` when the server has keys. */
const KEYED_ROUTE: readonly HttpErrorCode[] = [...ANY_ROUTE, 'unauthorized']

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })

/**
 * The stream's event types, each with the schema of its `data`. They sit in the stream
 * schema's `$defs`, where JSON Schema keeps definitions that validate nothing themselves:
 * linters follow the references, and a generated client still types the body as a string.
 */
const STREAM_EVENTS = {
  stdout: { ...ref('OutputChunk'), description: 'A piece of stdout, as the code writes it.' },
  stderr: { ...ref('OutputChunk'), description: 'A piece of stderr, as the code writes it.' },
  result: {
    ...ref('ExecutionResult'),
    description: 'The last event: the same result the JSON answer holds.',
  },
  error: {
    ...ref('Error'),
    description:
      'The last event instead of `result` when the execution failed after the stream began (for example `shut_down`).',
  },
}

const STREAM_SCHEMA = {
  type: 'string',
  description: `Server-Sent Events, each an \`event:\` line naming its type and one \`data:\` line of JSON. The types are ${Object.keys(
    STREAM_EVENTS,
  )
    .map((name) => `\`${name}\``)
    .join(
      ', ',
    )}; \`$defs\` holds the schema of each one's data, by type. Read it with a fetch-based SSE parser: \`EventSource\` reconnects when the stream ends, which would run the code again.`,
  $defs: STREAM_EVENTS,
}

/** The OpenAPI 3.1 document served at /openapi.json; every schema comes from a zod schema the code uses. */
export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'tinyagent-sandbox',
      version,
      description:
        'Runs untrusted Python in ephemeral, network-less containers. See docs/api.md. Every error is `{ "error": { "code", "message", "field"? } }`; any route not listed answers 404 `not_found`. Answers may gain fields: clients should ignore those they do not know.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [
      {
        url: 'http://127.0.0.1:8080',
        description: '`serve` with the default `server.host` and `server.port`',
      },
    ],
    tags: [
      { name: 'executions', description: 'Run code.' },
      { name: 'status', description: 'Probes, metrics and this document.' },
    ],
    security: [{ bearer: [] }],
    paths: {
      '/v1/executions': { post: createExecution() },
      '/healthz': {
        get: statusOperation({
          operationId: 'getHealth',
          summary: 'The process is up',
          schema: ref('Health'),
          errors: ANY_ROUTE,
        }),
      },
      '/readyz': {
        get: statusOperation({
          operationId: 'getReadiness',
          summary: 'The engine (or the queue) is reachable and the image present',
          schema: ref('Readiness'),
          errors: [...ANY_ROUTE, 'engine_unavailable', 'image_missing', 'queue_unavailable'],
        }),
      },
      '/metrics': {
        get: {
          operationId: 'getMetrics',
          summary: 'Prometheus metrics',
          tags: ['status'],
          responses: {
            '200': {
              description: 'The Prometheus text exposition format, version 0.0.4.',
              content: { 'text/plain; version=0.0.4': { schema: { type: 'string' } } },
            },
            ...errorResponses(KEYED_ROUTE),
          },
        },
      },
      '/openapi.json': {
        get: statusOperation({
          operationId: 'getOpenApi',
          summary: 'This document',
          schema: { type: 'object', additionalProperties: true, description: 'OpenAPI 3.1' },
          errors: ANY_ROUTE,
        }),
      },
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API key (`TINYAGENT_SANDBOX_API_KEYS` or `server.api_key_file`); needed whenever the server has keys, which it must to listen beyond loopback.',
        },
      },
      schemas: {
        ExecuteRequest: withoutDialect(
          z.toJSONSchema(executionBodySchema, { io: 'input', unrepresentable: 'any' }),
        ),
        ...answerSchemas(),
      },
      headers: {
        RetryAfter: {
          description: 'Seconds to wait before retrying, when the server can say.',
          schema: { type: 'integer', minimum: 0 },
        },
        WwwAuthenticate: { description: 'Always `Bearer`.', schema: { type: 'string' } },
        IdempotentReplayed: {
          description:
            'Present, `true`, when the answer is the stored first answer of this `Idempotency-Key`.',
          schema: { type: 'string', enum: ['true'] },
        },
      },
    },
  }
}

function createExecution(): Record<string, unknown> {
  return {
    operationId: 'createExecution',
    summary: 'Run Python code in a fresh container',
    description:
      'One request, one fresh container. The answer is 200 whatever the code did: `status` says how it ended. With `stream=true` the answer is a stream of Server-Sent Events; a request refused before it runs still gets a plain JSON error.',
    tags: ['executions'],
    parameters: [
      {
        name: 'stream',
        in: 'query',
        required: false,
        schema: { type: 'boolean', default: false },
        description:
          'Answer with Server-Sent Events (`text/event-stream`): `stdout`/`stderr` events as the code writes, then `result` (or `error`).',
      },
      {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        schema: {
          type: 'string',
          minLength: 1,
          maxLength: 200,
          pattern: '^[A-Za-z0-9._:-]{1,200}$',
        },
        description:
          'A repeat with the same key and body, from the same API key, within `server.idempotency_ttl_seconds`, gets the first answer (with `Idempotent-Replayed: true`) instead of a new run; another body gets 409. `stream` is not part of the comparison.',
      },
    ],
    requestBody: {
      required: true,
      content: { 'application/json': { schema: ref('ExecuteRequest') } },
    },
    responses: {
      '200': {
        description:
          'The code ran, or was refused by the static policy: `status` says which. JSON by default, Server-Sent Events with `stream=true`.',
        headers: {
          'Idempotent-Replayed': { $ref: '#/components/headers/IdempotentReplayed' },
        },
        content: {
          'application/json': { schema: ref('ExecutionResult') },
          'text/event-stream': {
            schema: STREAM_SCHEMA,
            example:
              'event: stdout\ndata: {"text":"0\\n"}\n\nevent: result\ndata: {"id":"…","status":"ok",…}\n\n',
          },
        },
      },
      ...errorResponses([
        ...KEYED_ROUTE,
        'invalid_argument',
        'invalid_json',
        'payload_too_large',
        'unsupported_media_type',
        'rate_limited',
        'quota_exceeded',
        'queue_full',
        'aborted',
        'config_invalid',
        'engine_unavailable',
        'image_missing',
        'queue_unavailable',
        'deadline_exceeded',
        'idempotency_conflict',
      ]),
    },
  }
}

interface StatusOperation {
  readonly operationId: string
  readonly summary: string
  readonly schema: Record<string, unknown>
  readonly errors: readonly HttpErrorCode[]
}

/** A route anyone may call, keys or not. */
function statusOperation(operation: StatusOperation): Record<string, unknown> {
  const { operationId, summary, schema, errors } = operation
  return {
    operationId,
    summary,
    tags: ['status'],
    security: [],
    responses: {
      '200': { description: summary, content: { 'application/json': { schema } } },
      ...errorResponses(errors),
    },
  }
}

/** The error answers for these codes, one per status, each naming its codes and when. */
function errorResponses(codes: readonly HttpErrorCode[]): Record<string, unknown> {
  const byStatus = new Map<number, HttpErrorCode[]>()
  for (const code of codes)
    byStatus.set(statusOf(code), [...(byStatus.get(statusOf(code)) ?? []), code])
  const statuses = [...byStatus.keys()].sort((a, b) => a - b)
  return Object.fromEntries(
    statuses.map((status) => {
      const listed = byStatus.get(status) ?? []
      return [
        String(status),
        {
          description: listed.map((code) => `\`${code}\`: ${WHEN[code]}.`).join(' '),
          ...headersFor(status),
          content: { 'application/json': { schema: ref('Error') } },
        },
      ]
    }),
  )
}

function headersFor(status: number): Record<string, unknown> {
  const retryAfter = { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } }
  const replayed = { 'Idempotent-Replayed': { $ref: '#/components/headers/IdempotentReplayed' } }
  if (status === 503) return { headers: { ...retryAfter, ...replayed } }
  if (status === 429 || status === 409) return { headers: retryAfter }
  if (status === 499 || status === 500) return { headers: replayed }
  if (status === 401) {
    return { headers: { 'WWW-Authenticate': { $ref: '#/components/headers/WwwAuthenticate' } } }
  }
  return {}
}

/**
 * The answers' schemas, each part a named component. The zod schemas are strict, so a test
 * catches an undescribed field; the document leaves answers open, so a client generated
 * from it keeps working when a later server adds a field.
 */
function answerSchemas(): Record<string, Record<string, unknown>> {
  const registry = z.registry<{ id: string }>()
  const parts = {
    ...RESULT_PARTS,
    Error: errorBodySchema,
    OutputChunk: outputChunkSchema,
    Health: healthSchema,
    Readiness: readinessSchema,
  }
  for (const [id, schema] of Object.entries(parts)) registry.add(schema, { id })
  const { schemas } = z.toJSONSchema(registry, {
    io: 'output',
    uri: (id) => `#/components/schemas/${id}`,
    override: ({ jsonSchema }) => {
      if (jsonSchema.additionalProperties === false) delete jsonSchema.additionalProperties
      // zod bounds every integer to the safe range; JSON numbers from us never leave it.
      if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum
    },
  })
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => [id, withoutDialect(schema)]),
  )
}

function withoutDialect(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _dialect, $id: _id, ...rest } = schema
  return rest
}
