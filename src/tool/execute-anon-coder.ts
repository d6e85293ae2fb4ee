import type { OutputListener } from '../engine/container-engine.js'
import type { ExecutionResult } from '../sandbox/execution-result.js'
import type { Executor } from '../sandbox/executor.js'
import { parseAnonCoderInput } from './anon-coder-input.js'
import { formatToolResult } from './format-tool-result.js'

export interface ToolCallOptions {
  /** Cancels the execution (the model host gave up on the call). */
  readonly signal?: AbortSignal | undefined
  /** Receives the code's output as it is written. */
  readonly onOutput?: OutputListener | undefined
}

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
  options: ToolCallOptions = {},
): Promise<ToolCallAnswer> {
  const { code, timeout } = parseAnonCoderInput(args)
  const { signal, onOutput } = options
  const result = await executor.execute({
    code,
    ...(timeout === undefined ? {} : { timeoutSeconds: timeout }),
    ...(signal === undefined ? {} : { signal }),
    ...(onOutput === undefined ? {} : { onOutput }),
  })
  return { text: formatToolResult(result), result }
}
