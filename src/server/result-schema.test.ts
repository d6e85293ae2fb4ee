import { describe, expect, expectTypeOf, it } from 'vitest'
import type { z } from 'zod'
import { configSchema } from '../config/schema.js'
import { EXECUTION_STATUSES, type ExecutionResult } from '../sandbox/execution-result.js'
import { buildReceipt } from '../sandbox/receipt.js'
import type { HttpError } from './http-errors.js'
import type { errorBodySchema } from './response-schemas.js'
import { DOCUMENTED_RESULT_FIELDS, executionResultSchema } from './result-schema.js'

/** The types without `readonly`, which zod's inferred types do not carry. */
type Mutable<T> = T extends readonly (infer Item)[]
  ? Mutable<Item>[]
  : T extends object
    ? { -readonly [K in keyof T]: Mutable<T[K]> }
    : T

describe('executionResultSchema', () => {
  it("has exactly the library's ExecutionResult type (checked by tsc)", () => {
    expectTypeOf<Mutable<z.output<typeof executionResultSchema>>>().toEqualTypeOf<
      Mutable<ExecutionResult>
    >()
    expectTypeOf<z.output<typeof errorBodySchema>>().toEqualTypeOf<
      ReturnType<HttpError['toJSON']>
    >()
  })

  it('accepts a result as the sandbox builds it and refuses an undescribed field', () => {
    const settings = configSchema.parse({}).code_execution
    const result: ExecutionResult = {
      id: '6c1c3c2e-8f0a-4b8e-9a57-2d5f8f0f3c11',
      status: 'policy_violation',
      exitCode: null,
      stdout: '',
      stderr: '',
      truncated: false,
      durationMs: 3,
      violations: [
        {
          rule: 'eval-call',
          line: 1,
          column: 1,
          text: 'eval("1")',
          message: '`eval` is not allowed',
          hint: 'only code_execution.allow_dangerous_operations: true allows this',
        },
      ],
      error: null,
      message: 'Nothing was run.',
      files: [],
      filesTruncated: false,
      runtime: null,
      result: null,
      artifacts: [],
      artifactsTruncated: false,
      node: 'test/1',
      receipt: buildReceipt({
        code: 'eval("1")',
        settings,
        imageId: null,
        runtime: null,
        timeoutSeconds: 10,
        limits: settings.limits,
      }),
    }
    expect(executionResultSchema.parse(result)).toStrictEqual(result)
    expect(executionResultSchema.safeParse({ ...result, extra: 1 }).success).toBe(false)
    expect(DOCUMENTED_RESULT_FIELDS).toStrictEqual(Object.keys(result))
    expect(executionResultSchema.shape.status.options).toStrictEqual(EXECUTION_STATUSES)
  })
})
