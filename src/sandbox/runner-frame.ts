import { runtimeViolation } from '../policy/runtime-violation.js'
import type { Violation } from '../policy/types.js'
import type { PythonError } from './execution-result.js'
import { type RichResult, readRichResult } from './rich-result.js'

/** Must match FRAME_MARKER in images/python/runner.py. */
export const FRAME_MARKER = '\n\x1etinyagent-result '

/** Must match END_MARKER in images/python/runner.py: the last bytes the runner writes to stdout. */
export const END_MARKER = '\x1etinyagent-end\n'

/** Largest frame looked for at the end of stderr while a run is in progress. */
const FRAME_SCAN_BYTES = 1_048_576

/**
 * True once the runner has reported: stdout ends with the end marker and stderr with a
 * complete frame line. Each pipe is ordered, so nothing the code wrote can still be on its way.
 */
export function runnerHasReported(output: {
  tail(stream: 'stdout' | 'stderr', bytes: number): string
}): boolean {
  if (!output.tail('stdout', END_MARKER.length).endsWith(END_MARKER)) return false
  if (!output.tail('stderr', 1).endsWith('\n')) return false
  return splitRunnerFrame(output.tail('stderr', FRAME_SCAN_BYTES)).frame !== undefined
}

/** Removes the runner's end marker from the end of stdout, if it is there. */
export function stripEndMarker(stdout: string): string {
  return stdout.endsWith(END_MARKER) ? stdout.slice(0, -END_MARKER.length) : stdout
}

export interface RunnerFrame extends RichResult {
  readonly exitCode: number
  readonly error: PythonError | null
  /** The runtime guard's refusal that ended the run, if one did. */
  readonly violation?: Violation
}

/**
 * Splits the runner's closing result frame from the end of stderr. Output that the code
 * printed stays as it was; a missing or damaged frame (output cut, process killed) gives
 * `frame: undefined` and the stderr untouched.
 */
export function splitRunnerFrame(stderr: string): {
  stderr: string
  frame: RunnerFrame | undefined
} {
  const start = stderr.lastIndexOf(FRAME_MARKER)
  if (start === -1 || !stderr.endsWith('\n')) return { stderr, frame: undefined }
  const frame = parseFrame(stderr.slice(start + FRAME_MARKER.length, -1))
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
