import type { ExecutionResult } from '../sandbox/execution-result.js'
import type { Executor } from '../sandbox/executor.js'
import { parseAnonCoderInput } from './anon-coder-input.js'
import { formatToolResult } from './format-tool-result.js'

export interface ToolCallAnswer {
  /** What to send back to the model as the tool result. */
  readonly text: string
  readonly result: ExecutionResult
}

/**
 * Answers one `anon_coder` tool call: checks the arguments, runs the code, and renders the
 * result for the model. Throws `InvalidArgumentError` for arguments the schema refuses.
 */
export async function executeAnonCoder(
  executor: Executor,
  args: unknown,
  signal?: AbortSignal,
): Promise<ToolCallAnswer> {
  const { code, timeout } = parseAnonCoderInput(args)
  const result = await executor.execute({
    code,
    ...(timeout === undefined ? {} : { timeoutSeconds: timeout }),
    ...(signal === undefined ? {} : { signal }),
  })
  return { text: formatToolResult(result), result }
}
