import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv'
import { describe, expect, it } from 'vitest'
import { configSchema } from '../config/schema.js'
import type { ExecutionResult } from '../sandbox/execution-result.js'
import { buildReceipt } from '../sandbox/receipt.js'
import { structuredResult, structuredResultJsonSchema } from './structured-result.js'

const settings = configSchema.parse({}).code_execution

const refused: ExecutionResult = {
  id: '0b7c8f1e-3f0a-4c2e-9d55-6a1f8e2b4c3d',
  status: 'policy_violation',
  exitCode: null,
  stdout: '',
  stderr: '',
  truncated: false,
  durationMs: 3,
  violations: [
    {
      rule: 'import-not-allowed',
      line: 1,
      column: 8,
      text: 'socket',
      message: '`socket` is not an allowed import',
      hint: 'add `socket` to code_execution.allowed_operations.imports',
    },
  ],
  error: null,
  message: 'The code was refused by the static policy.',
  files: [],
  filesTruncated: false,
  runtime: null,
  result: null,
  artifacts: [],
  artifactsTruncated: false,
  node: 'test',
  receipt: buildReceipt({
    code: 'import socket',
    settings,
    imageId: null,
    runtime: null,
    timeoutSeconds: settings.timeout_seconds,
    limits: settings.limits,
  }),
}

/** The validator the SDK's client checks `structuredContent` with. */
const validate = new AjvJsonSchemaValidator().getValidator(structuredResultJsonSchema())

describe('structuredResult', () => {
  it('keeps the fields a program needs, and only those', () => {
    expect(structuredResult(refused)).toStrictEqual({
      status: 'policy_violation',
      exitCode: null,
      stdout: '',
      stderr: '',
      truncated: false,
      error: null,
      violations: refused.violations,
      message: 'The code was refused by the static policy.',
      node: 'test',
      id: refused.id,
    })
  })

  it('matches the output schema, as the SDK client validates it', () => {
    expect(validate(structuredResult(refused))).toMatchObject({ valid: true })
    const raised = structuredResult({
      ...refused,
      status: 'error',
      exitCode: 1,
      violations: [],
      error: { name: 'ZeroDivisionError', value: 'division by zero', traceback: 'Traceback…' },
    })
    expect(validate(raised)).toMatchObject({ valid: true })
  })

  it('has an output schema that refuses what the result never holds', () => {
    expect(validate({ ...structuredResult(refused), status: 'crashed' })).toMatchObject({
      valid: false,
    })
    expect(validate({ ...structuredResult(refused), files: [] })).toMatchObject({ valid: false })
  })
})
