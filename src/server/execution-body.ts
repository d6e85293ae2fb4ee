import type { z } from 'zod'
import { formatIssue, formatPath } from '../config/format-issue.js'
import { type ExecuteRequestFields, executeRequestSchema } from '../sandbox/execute-request.js'
import { HttpError } from './http-errors.js'

/**
 * The body of `POST /v1/executions` is exactly the library's execute request: the schema is
 * the library's own, so a field added there is accepted (and documented) here too.
 */
export const executionBodySchema = executeRequestSchema

/** Validates a request body, refusing the first problem with a message that names the field. */
export function parseExecutionBody(body: unknown): ExecuteRequestFields {
  const parsed = executionBodySchema.safeParse(body, { reportInput: true })
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  if (issue === undefined) throw new HttpError('invalid_argument', 'Invalid request body.')
  throw issueError(issue)
}

function issueError(issue: z.core.$ZodIssue): HttpError {
  if (issue.code === 'unrecognized_keys') {
    const field = formatPath([...issue.path, issue.keys[0] ?? ''])
    const known = keysAt(executionBodySchema, issue.path)
    return new HttpError(
      'invalid_argument',
      `Unknown field \`${field}\`; expected one of: ${known.join(', ')}.`,
      { field },
    )
  }
  const field = formatPath(issue.path) || 'body'
  return new HttpError(
    'invalid_argument',
    `Invalid \`${field}\`: ${inJsonTerms(formatIssue(issue, []))}.`,
    {
      field,
    },
  )
}

/** The shared formatter speaks YAML (`a mapping`, `a list`); a JSON client expects these. */
function inJsonTerms(message: string): string {
  return message.replaceAll('a mapping', 'an object').replaceAll('a list', 'an array')
}

interface SchemaNode {
  shape?: Record<string, unknown>
  element?: unknown
  unwrap?: () => unknown
}

/** The field names the schema accepts at `path`, seeing through optional and array wrappers. */
function keysAt(schema: unknown, path: readonly PropertyKey[]): string[] {
  let node = schema as SchemaNode | undefined
  for (const key of [...path, undefined]) {
    for (let depth = 0; depth < 4 && node !== undefined && node.shape === undefined; depth++) {
      node = (node.element ?? node.unwrap?.()) as SchemaNode | undefined
    }
    if (key === undefined) break
    node = typeof key === 'number' ? node : (node?.shape?.[String(key)] as SchemaNode | undefined)
  }
  return Object.keys(node?.shape ?? {})
}
