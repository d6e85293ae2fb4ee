import type { OutputListener } from '../engine/container-engine.js'
import type { ExecutionResult } from '../sandbox/execution-result.js'
import type { Executor } from '../sandbox/executor.js'
import { parseAnonCoderInput } from './anon-coder-input.js'
import { formatToolResult } from './format-tool-result.js'
import { fromStrictArguments } from './tool-definition.js'

export interface ToolCallOptions {
  /** Cancels the execution (the model host gave up on the call). */
  readonly signal?: AbortSignal | undefined
  /** Receives the code's output as it is written. */
  readonly onOutput?: OutputListener | undefined
}

export interface ToolCallAnswer {
  /** What to send back to the model as the tool result, at most `tool.result_chars` long. */
  readonly text: string
  /** The whole result: nothing in it is cut to the tool's budget. */
  readonly result: ExecutionResult
}

/**
 * Answers one `anon_coder` tool call: checks the arguments, runs the code, and renders the
 * result for the model. Throws `InvalidArgumentError` for arguments the schema refuses.
 *
 * Unlike a library or HTTP request, a `timeout` above `code_execution.timeout_seconds` is
 * not refused: models ask for 30 or 60 s out of habit (tinyAgent clamped them the same way),
 * so the configured limit applies and the text says so.
 */
export async function executeAnonCoder(
  executor: Executor,
  args: unknown,
  options: ToolCallOptions = {},
): Promise<ToolCallAnswer> {
  const { code, timeout, setup_code: setupCode } = parseAnonCoderInput(fromStrictArguments(args))
  const { signal, onOutput } = options
  const maximum = executor.config.code_execution.timeout_seconds
  const notes =
    timeout !== undefined && timeout > maximum
      ? [
          `timeout ${timeout} s was lowered to the configured maximum of ${maximum} s (code_execution.timeout_seconds).`,
        ]
      : []
  const timeoutSeconds = timeout === undefined ? undefined : Math.min(timeout, maximum)
  const result = await executor.execute({
    code,
    ...(setupCode === undefined || setupCode === '' ? {} : { setupCode }),
    ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
    ...(signal === undefined ? {} : { signal }),
    ...(onOutput === undefined ? {} : { onOutput }),
  })
  const text = formatToolResult(result, { maxChars: executor.config.tool.result_chars, notes })
  return { text, result }
}
