import { runtimeViolation } from '../policy/runtime-violation.js'
import type { Violation } from '../policy/types.js'
import type { PythonError } from './execution-result.js'
import { type RichResult, readRichResult } from './rich-result.js'
import { withoutMarkers } from './runner-marker-filter.js'
import type { RunnerMarkers } from './runner-markers.js'

/**
 * Removes the runner's end markers from stdout (a process the code forked carries the
 * runner's code too). Marker-shaped text without this execution's secret stays: it is output.
 */
export function stripEndMarker(stdout: string, markers: RunnerMarkers): string {
  return withoutMarkers(stdout, markers.end)
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
  // The last frame is the runner's own; one before it came from a process the code forked.
  const start = stderr.lastIndexOf(markers.frame)
  if (start === -1) return { stderr, frame: undefined }
  const body = start + markers.frame.length
  const end = stderr.indexOf('\n', body)
  if (end === -1) return { stderr, frame: undefined }
  const frame = parseFrame(stderr.slice(body, end))
  if (frame === undefined) return { stderr, frame: undefined }
  return { stderr: withoutMarkers(stderr, markers.frame), frame }
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
