import { z } from 'zod'
import { InvalidArgumentError } from '../errors.js'

/** Largest accepted source; bigger input is refused before any parsing. */
export const MAX_CODE_BYTES = 1_048_576

/** What a caller may send. Requests can only tighten the configured limits, never loosen them. */
export const executeRequestSchema = z.strictObject({
  /** Python source, run as `__main__`. */
  code: z.string(),
  /** Lower wall-clock limit for this execution; at most `code_execution.timeout_seconds`. */
  timeoutSeconds: z.number().positive().optional(),
})

export type ExecuteRequestFields = z.infer<typeof executeRequestSchema>

export interface ExecuteRequest extends ExecuteRequestFields {
  /** Cancels the execution: it leaves the queue, or its container is killed and removed. */
  readonly signal?: AbortSignal | undefined
}

export interface ValidatedRequest {
  readonly code: string
  readonly timeoutSeconds: number
}

/** Checks a request against the schema and the configured ceiling, with one message shape. */
export function validateRequest(request: unknown, maxTimeoutSeconds: number): ValidatedRequest {
  const { signal: _signal, ...fields } = (request ?? {}) as ExecuteRequest
  const parsed = executeRequestSchema.safeParse(fields)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const field = issue?.path.join('.') || 'request'
    throw new InvalidArgumentError(`Invalid \`${field}\`: ${issue?.message ?? 'invalid request'}`)
  }
  const { code, timeoutSeconds = maxTimeoutSeconds } = parsed.data
  const size = Buffer.byteLength(code, 'utf8')
  if (size > MAX_CODE_BYTES) {
    throw new InvalidArgumentError(
      `Expected \`code\` to be at most ${MAX_CODE_BYTES} bytes, got ${size}`,
    )
  }
  if (timeoutSeconds > maxTimeoutSeconds) {
    throw new InvalidArgumentError(
      `Expected \`timeoutSeconds\` to be at most ${maxTimeoutSeconds} (code_execution.timeout_seconds), got ${timeoutSeconds}`,
    )
  }
  return { code, timeoutSeconds }
}
