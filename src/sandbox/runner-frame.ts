import { runtimeViolation } from '../policy/runtime-violation.js'
import type { Violation } from '../policy/types.js'
import type { PythonError } from './execution-result.js'
import { type RichResult, readRichResult } from './rich-result.js'
import type { RunnerMarkers } from './runner-markers.js'

/**
 * Removes the runner's end marker and anything after it (a daemon thread racing the exit)
 * from stdout. Marker-shaped text without this execution's secret stays: it is output.
 */
export function stripEndMarker(stdout: string, markers: RunnerMarkers): string {
  const at = stdout.indexOf(markers.end)
  return at === -1 ? stdout : stdout.slice(0, at)
}

export interface RunnerFrame extends RichResult {
  readonly exitCode: number
  readonly error: PythonError | null
  /** The runtime guard's refusal that ended the run, if one did. */
  readonly violation?: Violation
}

/**
 * Splits the runner's result frame, found by this execution's secret, from stderr. Output
 * that the code printed stays as it was, forged frames included; a missing or damaged frame
 * (output cut, process killed) gives `frame: undefined` and the stderr untouched.
 */
export function splitRunnerFrame(
  stderr: string,
  markers: RunnerMarkers,
): { stderr: string; frame: RunnerFrame | undefined } {
  const start = stderr.indexOf(markers.frame)
  if (start === -1) return { stderr, frame: undefined }
  const body = start + markers.frame.length
  const end = stderr.indexOf('\n', body)
  if (end === -1) return { stderr, frame: undefined }
  const frame = parseFrame(stderr.slice(body, end))
  if (frame === undefined) return { stderr, frame: undefined }
  return { stderr: stderr.slice(0, start), frame }
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
