import { SandboxError } from '../errors.js'
import type { RunResult } from './execution-result.js'
import { NO_RICH_RESULT } from './rich-result.js'

/** The result of an execution the engine failed: the code's own outcome is unknown. */
export function engineErrorResult(id: string, runtime: string | null, error: unknown): RunResult {
  const message = error instanceof SandboxError ? error.message : `Engine failure: ${String(error)}`
  return {
    id,
    status: 'engine_error',
    exitCode: null,
    stdout: '',
    stderr: '',
    truncated: false,
    durationMs: 0,
    violations: [],
    error: null,
    message,
    files: [],
    filesTruncated: false,
    runtime,
    ...NO_RICH_RESULT,
  }
}
