import { type ExecuteRequestFields, executeRequestSchema } from '../sandbox/execute-request.js'
import { requestProblem } from '../sandbox/request-issue.js'
import { HttpError } from './http-errors.js'

/**
 * The body of `POST /v1/executions` is exactly the library's execute request: the schema is
 * the library's own, so a field added there is accepted (and documented) here too.
 */
export const executionBodySchema = executeRequestSchema

/** Validates a request body, refusing the first problem with the library's own message. */
export function parseExecutionBody(body: unknown): ExecuteRequestFields {
  const parsed = executionBodySchema.safeParse(body, { reportInput: true })
  if (parsed.success) return parsed.data
  const { field, message } = requestProblem(parsed.error, executionBodySchema, 'body')
  throw new HttpError('invalid_argument', message, { field })
}
