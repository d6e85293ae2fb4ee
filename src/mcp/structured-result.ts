import { z } from 'zod'
import type { ExecutionResult } from '../sandbox/execution-result.js'
import { executionResultSchema } from '../server/result-schema.js'

/**
 * The part of an `ExecutionResult` a program calling the tool needs, as the MCP result's
 * `structuredContent`: not cut to `tool.result_chars` as the text is. Files, values, charts
 * and the receipt stay out (charts go as images; the HTTP API has everything).
 */
const structuredResultSchema = executionResultSchema.pick({
  status: true,
  exitCode: true,
  stdout: true,
  stderr: true,
  truncated: true,
  error: true,
  violations: true,
  message: true,
  node: true,
  id: true,
})

export type StructuredResult = z.infer<typeof structuredResultSchema>

/** The tool's `outputSchema`: a closed object, as the SDK client validates `structuredContent` with. */
export function structuredResultJsonSchema(): { type: 'object'; [keyword: string]: unknown } {
  // No `$schema`: the SDK's validator is a draft-07 Ajv, which would refuse the 2020-12 URI;
  // what is left means the same in both dialects.
  const { $schema: _dialect, ...schema } = z.toJSONSchema(structuredResultSchema, { io: 'output' })
  return { ...schema, type: 'object' }
}

export function structuredResult(result: ExecutionResult): StructuredResult {
  const { status, exitCode, stdout, stderr, truncated, error, violations, message, node, id } =
    result
  return {
    status,
    exitCode,
    stdout,
    stderr,
    truncated,
    error,
    violations: [...violations],
    message,
    node,
    id,
  }
}
