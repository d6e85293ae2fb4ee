import { z } from 'zod'
import { InvalidArgumentError } from '../errors.js'
import { assertSourceSize, executeRequestSchema } from '../sandbox/execute-request.js'
import { requestProblem } from '../sandbox/request-issue.js'

/** tinyAgent's tool name, kept so agents written for tinyAgent work unchanged. */
export const ANON_CODER = 'anon_coder'

/**
 * tinyAgent's parameters (`code`, `timeout`, `setup_code`), taken from the library's request
 * schema so the two cannot drift apart. Strict: an argument the tool does not take is refused
 * by name, never dropped.
 */
export const anonCoderInputSchema = z.strictObject({
  code: executeRequestSchema.shape.code.describe(
    'Python 3 source to run as a script. Print what you need to see: only stdout and stderr come back.',
  ),
  timeout: executeRequestSchema.shape.timeoutSeconds.describe(
    'Optional wall-clock limit in seconds; it can only lower the configured limit.',
  ),
  setup_code: executeRequestSchema.shape.setupCode.describe(
    'Optional Python 3 source run before `code`, in the same process and namespace (imports, data, helper functions), under the same policy. If it raises, `code` does not run.',
  ),
})

export type AnonCoderInput = z.infer<typeof anonCoderInputSchema>

/** Checks a model's tool-call arguments, naming the argument that is wrong. */
export function parseAnonCoderInput(args: unknown): AnonCoderInput {
  const parsed = anonCoderInputSchema.safeParse(args, { reportInput: true })
  if (!parsed.success) {
    throw new InvalidArgumentError(
      requestProblem(parsed.error, anonCoderInputSchema, 'arguments').message,
    )
  }
  const { code, setup_code: setupCode = '' } = parsed.data
  assertSourceSize({ code, setupCode }, { code: 'code', setupCode: 'setup_code' })
  return parsed.data
}
