import { z } from 'zod'
import { InvalidArgumentError } from '../errors.js'
import { executeRequestSchema } from '../sandbox/execute-request.js'
import { requestProblem } from '../sandbox/request-issue.js'

/** tinyAgent's tool name, kept so agents written for tinyAgent work unchanged. */
export const ANON_CODER = 'anon_coder'

/**
 * tinyAgent's parameters (`code`, `timeout`), taken from the library's request schema so
 * the two cannot drift apart.
 */
export const anonCoderInputSchema = z.strictObject({
  code: executeRequestSchema.shape.code.describe(
    'Python 3 source to run as a script. Print what you need to see: only stdout and stderr come back.',
  ),
  timeout: executeRequestSchema.shape.timeoutSeconds.describe(
    'Optional wall-clock limit in seconds; it can only lower the configured limit.',
  ),
})

export type AnonCoderInput = z.infer<typeof anonCoderInputSchema>

/** Checks a model's tool-call arguments, naming the field that is wrong. */
export function parseAnonCoderInput(args: unknown): AnonCoderInput {
  const parsed = anonCoderInputSchema.safeParse(args, { reportInput: true })
  if (parsed.success) return parsed.data
  throw new InvalidArgumentError(
    requestProblem(parsed.error, anonCoderInputSchema, 'arguments').message,
  )
}
