import { runtimeViolation } from '../policy/runtime-violation.js'
import type { Violation } from '../policy/types.js'
import type { PythonError } from './execution-result.js'
import { type RichResult, readRichResult } from './rich-result.js'

export interface RunnerFrame extends RichResult {
  readonly exitCode: number
  readonly error: PythonError | null
  /** The runtime guard's refusal that ended the run, if one did. */
  readonly violation?: Violation
}

/**
 * Reads the runner's report (the body of its last frame line, found by this execution's
 * secret and taken out of stderr by the engine). A missing or damaged report (output cut,
 * process killed) gives undefined.
 */
export function readRunnerFrame(report: string | undefined): RunnerFrame | undefined {
  return report === undefined ? undefined : parseFrame(report)
}

function parseFrame(json: string): RunnerFrame | undefined {
  try {
    const value = JSON.parse(json) as Record<string, unknown>
    if (typeof value.exitCode !== 'number') return undefined
    const violation = runtimeViolation(value.violation)
    return {
      exitCode: value.exitCode,
      error: isPythonError(value.error) ? value.error : null,
      ...readRichResult(value),
      ...(violation === undefined ? {} : { violation }),
    }
  } catch {
    return undefined
  }
}

function isPythonError(value: unknown): value is PythonError {
  const error = value as PythonError | null | undefined
  return (
    typeof error?.name === 'string' &&
    typeof error.value === 'string' &&
    typeof error.traceback === 'string'
  )
}
