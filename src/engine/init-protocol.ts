/**
 * What the host and the image's init (PID 1 of every sandbox container) agree on. Must match
 * images/python/init.c: the init ends the container at a deadline the code cannot lift,
 * even when this process is gone.
 */

/**
 * The environment variable that carries the idle deadline, in milliseconds from the container's
 * start: how long it may wait for its code. The init removes it before the runner starts.
 * Must match IDLE_DEADLINE_ENV in images/python/init.c.
 */
export const IDLE_DEADLINE_ENV = 'TINYAGENT_IDLE_DEADLINE_MS'

/** The largest deadline the init reads: 9 decimal digits (about 11.5 days). Must match init.c. */
export const MAX_DEADLINE_MS = 999_999_999

/** The container's exit code when the idle or execution deadline passed. Must match init.c. */
export const DEADLINE_EXIT_CODE = 124

/**
 * The container's exit code when the init refused to run or the host broke the protocol
 * (no idle deadline, a malformed header, stdin closed before it). Must match init.c.
 */
export const INIT_ERROR_EXIT_CODE = 125

/**
 * The first line of the container's stdin: the execution deadline in milliseconds, counted
 * from when the init reads it. Everything written after it is the runner's stdin.
 * Must match images/python/init.c.
 *
 * @param deadlineMs A whole number of milliseconds, 1 to MAX_DEADLINE_MS (round a fractional
 * `timeout_seconds * 1000` up first).
 */
export function initHeader(deadlineMs: number): string {
  return `${checkedDeadline('deadlineMs', deadlineMs)}\n`
}

/**
 * The deadline as the init reads it; throws a RangeError for anything else, which is our bug:
 * config limits keep both deadlines far inside the range.
 */
export function checkedDeadline(name: string, ms: number): string {
  if (!Number.isInteger(ms) || ms < 1 || ms > MAX_DEADLINE_MS) {
    throw new RangeError(
      `Expected \`${name}\` to be a whole number of milliseconds from 1 to ${MAX_DEADLINE_MS}, got \`${ms}\``,
    )
  }
  return String(ms)
}
