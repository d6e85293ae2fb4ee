import { z } from 'zod'
import { limitsSchema } from '../config/schema.js'
import { EXECUTION_STATUSES } from '../sandbox/execution-result.js'
import { executionBodySchema } from './execution-body.js'
import type { HttpErrorCode } from './http-errors.js'

const ERROR_CODES: readonly HttpErrorCode[] = [
  'invalid_argument',
  'invalid_json',
  'malformed_request',
  'unauthorized',
  'not_found',
  'request_timeout',
  'payload_too_large',
  'unsupported_media_type',
  'headers_too_large',
  'rate_limited',
  'quota_exceeded',
  'queue_full',
  'aborted',
  'shut_down',
  'engine_unavailable',
  'image_missing',
  'config_invalid',
  'internal',
]

const { $schema: _limitsDialect, ...limits } = z.toJSONSchema(limitsSchema, {
  io: 'output',
  unrepresentable: 'any',
})

const sha256 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const

/** The library's `ExecutionReceipt`: what an execution was checked and run under. */
const receiptSchema = {
  type: 'object',
  required: ['codeSha256', 'configSha256', 'imageId', 'runtime', 'timeoutSeconds', 'limits'],
  properties: {
    codeSha256: { ...sha256, description: 'sha256 of the code as UTF-8.' },
    configSha256: {
      ...sha256,
      description: 'sha256 of the effective `code_execution` config section (canonical JSON).',
    },
    imageId: {
      type: ['string', 'null'],
      description:
        'The image the container was created from (`sha256:…`); null when no container ran.',
    },
    runtime: {
      type: ['string', 'null'],
      description: 'The OCI runtime (`runc`, `runsc`); null when no container ran.',
    },
    timeoutSeconds: { type: 'number', description: 'The time limit applied.' },
    limits: {
      ...limits,
      description: 'The limits applied: `code_execution.limits`, lowered where the request asked.',
    },
  },
} as const

/**
 * The result is the library's `ExecutionResult`; the fields a client branches on are
 * spelled out, the rest are passed through as the library defines them.
 */
const executionResultSchema = {
  type: 'object',
  required: [
    'id',
    'status',
    'exitCode',
    'stdout',
    'stderr',
    'durationMs',
    'violations',
    'error',
    'message',
    'node',
    'receipt',
  ],
  properties: {
    id: { type: 'string', format: 'uuid' },
    status: { type: 'string', enum: EXECUTION_STATUSES },
    exitCode: { type: ['integer', 'null'] },
    stdout: { type: 'string' },
    stderr: { type: 'string' },
    truncated: { type: 'boolean' },
    durationMs: { type: 'integer' },
    violations: { type: 'array', items: { type: 'object' } },
    error: { type: ['object', 'null'] },
    message: { type: ['string', 'null'] },
    node: { type: 'string', description: 'The node that produced the result.' },
    receipt: receiptSchema,
  },
  additionalProperties: true,
} as const

/** Field names the OpenAPI document spells out for the result; the docker tests compare them with a real one. */
export const DOCUMENTED_RESULT_FIELDS = Object.keys(executionResultSchema.properties)

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', enum: ERROR_CODES },
        message: { type: 'string' },
        field: { type: 'string', description: 'The request field at fault, when there is one.' },
      },
    },
  },
} as const

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
})

/** The OpenAPI 3.1 document served at /openapi.json; the request schema is the library's zod schema. */
export function openApiDocument(version: string): Record<string, unknown> {
  const { $schema: _dialect, ...request } = z.toJSONSchema(executionBodySchema, {
    io: 'input',
    unrepresentable: 'any',
  })
  return {
    openapi: '3.1.0',
    info: {
      title: 'tinyagent-sandbox',
      version,
      description: 'Runs untrusted Python in ephemeral, network-less containers. See docs/api.md.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        ExecuteRequest: request,
        ExecutionResult: executionResultSchema,
        Error: errorSchema,
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/v1/executions': {
        post: {
          summary: 'Run Python code in a fresh container',
          parameters: [
            {
              name: 'stream',
              in: 'query',
              required: false,
              schema: { type: 'boolean', default: false },
              description:
                'Answer with Server-Sent Events: `stdout`/`stderr` chunks as they happen, then `result` (or `error`).',
            },
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/ExecuteRequest' } },
            },
          },
          responses: {
            '200': {
              description:
                'The code ran, or was refused by the static policy: the status says which.',
              content: {
                'application/json': { schema: { $ref: '#/components/schemas/ExecutionResult' } },
                'text/event-stream': { schema: { type: 'string' } },
              },
            },
            '400': errorResponse(
              'Malformed JSON, a wrong type, an unknown field, or a limit above the configured one.',
            ),
            '401': errorResponse('Missing or wrong API key.'),
            '413': errorResponse('Body larger than server.body_limit_bytes.'),
            '415': errorResponse('Body not sent as application/json.'),
            '429': errorResponse('Rate limit, per-key quota or queue full; see Retry-After.'),
            '503': errorResponse('Shutting down, or the engine or image is missing.'),
          },
        },
      },
      '/healthz': {
        get: {
          summary: 'The process is up',
          security: [],
          responses: { '200': { description: '`{ "status": "ok" }`' } },
        },
      },
      '/readyz': {
        get: {
          summary: 'The engine is reachable and the image present',
          security: [],
          responses: {
            '200': { description: '`{ "status": "ready" }`' },
            '503': errorResponse('Not ready.'),
          },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          responses: { '200': { description: 'Text exposition format.' } },
        },
      },
      '/openapi.json': {
        get: {
          summary: 'This document',
          security: [],
          responses: { '200': { description: 'OpenAPI 3.1' } },
        },
      },
    },
  }
}
