import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { executeRequestSchema } from '../sandbox/execute-request.js'
import { HttpError } from './http-errors.js'
import { openApiDocument } from './openapi.js'
import { HTTP_ERROR_CODES } from './response-schemas.js'

interface Response {
  readonly description: string
  readonly headers?: Record<string, { $ref: string }>
  readonly content?: Record<string, { schema: Record<string, unknown> }>
}
interface Operation {
  readonly operationId: string
  readonly responses: Record<string, Response>
}
interface Document {
  readonly info: { description: string; license: unknown }
  readonly paths: Record<string, Record<string, Operation>>
  readonly components: { schemas: Record<string, { properties?: Record<string, unknown> }> }
}

const doc = openApiDocument('1.2.3') as unknown as Document
const operations = Object.values(doc.paths).flatMap((path) => Object.values(path))
const createExecution = doc.paths['/v1/executions']?.post as Operation

describe('openApiDocument', () => {
  it('passes `redocly lint` with the recommended rules: no error, no warning', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'openapi-lint-'))
    try {
      const file = join(dir, 'openapi.json')
      await writeFile(file, JSON.stringify(doc, null, 2))
      const redocly = fileURLToPath(new URL('../../node_modules/.bin/redocly', import.meta.url))
      // No telemetry, no update check: the lint runs offline. It exits 1 on an error; the
      // report on stdout says which.
      const env = {
        ...process.env,
        REDOCLY_TELEMETRY: 'off',
        REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
      }
      const args = ['lint', '--extends', 'recommended', '--format', 'json', file]
      const stdout = await promisify(execFile)(redocly, args, { env }).then(
        (done) => done.stdout,
        (failed: { stdout?: string }) => failed.stdout ?? '',
      )
      const report = JSON.parse(stdout) as {
        totals: { errors: number; warnings: number }
        problems: { ruleId: string; message: string }[]
      }
      expect(report.problems).toStrictEqual([])
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 30_000)

  it('documents every error code under the status the server answers it with', () => {
    const documented = new Map<string, string>()
    for (const operation of operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        for (const [, code] of response.description.matchAll(/`([a-z_]+)`: /g)) {
          documented.set(`${code}`, status)
        }
      }
    }
    for (const code of HTTP_ERROR_CODES.filter((code) => code !== 'not_found')) {
      expect(documented.get(code), code).toBe(String(new HttpError(code, code).status))
    }
    expect(doc.info.description).toContain('404 `not_found`')
    expect(Object.keys(createExecution.responses)).toStrictEqual([
      '200',
      '400',
      '401',
      '408',
      '409',
      '413',
      '415',
      '429',
      '431',
      '499',
      '500',
      '503',
    ])
  })

  it('gives each operation an id, and 429 and 503 a Retry-After header (503 may also be a replayed answer)', () => {
    expect(operations.map((operation) => operation.operationId)).toStrictEqual([
      'createExecution',
      'getHealth',
      'getReadiness',
      'getMetrics',
      'getOpenApi',
    ])
    for (const operation of operations) {
      for (const status of ['429', '503']) {
        const response = operation.responses[status]
        if (response !== undefined) {
          expect(response.headers?.['Retry-After']).toStrictEqual({
            $ref: '#/components/headers/RetryAfter',
          })
        }
      }
    }
    expect(doc.info.license).toStrictEqual({ name: 'MIT', identifier: 'MIT' })
  })

  it('describes the request with the library schema, and JSON and the stream apart', () => {
    expect(Object.keys(doc.components.schemas.ExecuteRequest?.properties ?? {})).toStrictEqual(
      Object.keys(executeRequestSchema.shape),
    )
    const ok = createExecution.responses['200']?.content ?? {}
    expect(Object.keys(ok)).toStrictEqual(['application/json', 'text/event-stream'])
    expect(ok['application/json']?.schema).toStrictEqual({
      $ref: '#/components/schemas/ExecutionResult',
    })
    const stream = ok['text/event-stream']?.schema ?? {}
    expect(stream.type).toBe('string')
    const events = stream.$defs as Record<string, { $ref: string }>
    expect(Object.keys(events)).toStrictEqual(['stdout', 'stderr', 'result', 'error'])
    for (const { $ref } of Object.values(events)) {
      expect(doc.components.schemas[$ref.replace('#/components/schemas/', '')]).toBeDefined()
    }
  })
})
