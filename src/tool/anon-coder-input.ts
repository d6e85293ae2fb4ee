import { z } from 'zod'
import { formatIssue, formatPath } from '../config/format-issue.js'
import { InvalidArgumentError } from '../errors.js'
import { executeRequestSchema } from '../sandbox/execute-request.js'

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
  const issue = parsed.error.issues[0]
  if (issue === undefined) throw new InvalidArgumentError('Invalid `anon_coder` arguments')
  const keys = Object.keys(anonCoderInputSchema.shape)
  const field =
    issue.code === 'unrecognized_keys'
      ? (issue.keys[0] ?? '')
      : formatPath(issue.path) || 'arguments'
  throw new InvalidArgumentError(`Invalid \`${field}\`: ${formatIssue(issue, keys)}`)
}
