import type { z } from 'zod'
import { formatIssue, formatPath } from '../config/format-issue.js'

/** A refused request field and the sentence that says why. */
export interface RequestProblem {
  /** The field at fault, e.g. `limits.memory_mb`; `whole` when the request itself is. */
  readonly field: string
  readonly message: string
}

/**
 * The one message for a request the schema refused, shared by the library, the HTTP API and
 * the tool, so the same mistake reads the same everywhere:
 * ``Invalid `limits.memory`: unknown key; expected one of: memory_mb, …``.
 * @param whole - names the request itself, when the problem is not in one field.
 */
export function requestProblem(
  error: z.ZodError,
  schema: unknown,
  whole = 'request',
): RequestProblem {
  const issue = error.issues[0]
  if (issue === undefined) return { field: whole, message: `Invalid \`${whole}\`` }
  // An unknown key is named itself (`limits.memory`), not the object that holds it.
  const path =
    issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path
  const field = path.length === 0 ? whole : formatPath(path)
  const known = issue.code === 'unrecognized_keys' ? keysAt(schema, issue.path) : []
  return { field, message: `Invalid \`${field}\`: ${inJsonTerms(formatIssue(issue, known))}` }
}

/** The shared formatter speaks YAML (`a mapping`, `a list`); a request is JSON or JavaScript. */
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
