import { randomBytes } from 'node:crypto'
import type { EndOfRunMarkers } from '../engine/end-of-run-watch.js'

/** Must match END_MARKER and FRAME_MARKER in images/python/runner.py (each followed by the secret). */
const END_PREFIX = '\x1etinyagent-end '
const FRAME_PREFIX = '\x1etinyagent-result '

/**
 * The markers that end one execution's output: the runner's end marker (the last bytes of
 * stdout) and the start of its result frame (the last line of stderr). Each carries a
 * secret the host makes for this execution and sends with the request; the runner takes it
 * out of the request before the code runs. Marker-shaped text without it is the code's
 * output like any other, so the code cannot end its run early or forge its result.
 */
export interface RunnerMarkers {
  readonly secret: string
  /** The runner's last bytes on stdout. */
  readonly end: string
  /** Begins the runner's last stderr line, `<frame><json>\n`; the newline before it is the runner's. */
  readonly frame: string
}

export function newRunnerMarkers(secret = randomBytes(16).toString('hex')): RunnerMarkers {
  return { secret, end: `${END_PREFIX}${secret}\n`, frame: `\n${FRAME_PREFIX}${secret} ` }
}

/** What the engine watches for to end a run without waiting for the container's exit. */
export function endOfRun(markers: RunnerMarkers): EndOfRunMarkers {
  return { stdoutSuffix: markers.end, stderrLinePrefix: markers.frame.slice(1) }
}
