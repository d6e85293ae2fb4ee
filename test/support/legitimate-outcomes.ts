import { expect } from 'vitest'
import type { ExecutionResult, ExecutionStatus } from '../../src/sandbox/execution-result.js'
import { TEST_RUNTIME } from './test-config.js'

/** The statuses a limit may legitimately end in, per runtime; see each set for why. */
export interface LegitimateOutcomes {
  readonly runc: readonly ExecutionStatus[]
  readonly runsc: readonly ExecutionStatus[]
}

/**
 * Memory filled to `limits.memory_mb`.
 * - `memory_limit`: the kernel's OOM killer acts in the container's cgroup (the engine's OOM
 *   flag), or Python's allocation fails first (MemoryError). The only outcome under runc.
 * - `error` (runsc): gVisor's sentry itself was killed at the limit and the engine set no OOM
 *   flag (seen under heavy load): the sandbox ended without the code's report. Contained.
 */
export const MEMORY_FILLED: LegitimateOutcomes = {
  runc: ['memory_limit'],
  runsc: ['memory_limit', 'error'],
}

/**
 * Processes or threads started past `limits.pids`.
 * - `ok`: the fork or thread is refused inside the code (EAGAIN, "can't start new thread"),
 *   which catches it and reports. Under runc the pids cgroup refuses exactly that, always.
 * - `error` (runsc): the refusal reached the code where it did not catch it; the message
 *   names `code_execution.limits.pids`.
 * - `memory_limit` (runsc): each of the code's tasks costs gVisor host memory too, and on some
 *   machines the memory limit is reached before the task limit (seen on a fresh machine).
 * - `timeout` (runsc): a new task waits for a host thread gVisor cannot get in time, until
 *   the timeout ends the run.
 * Which one comes first under gVisor depends on the machine's speed and load, not on the code.
 */
export const PIDS_EXHAUSTED: LegitimateOutcomes = {
  runc: ['ok'],
  runsc: ['ok', 'error', 'memory_limit', 'timeout'],
}

/**
 * Asserts the status is one `outcomes` allows under the test runtime, and that a limit it
 * ended at is the one reported: `memory_limit` names its setting, `timeout` has no exit code,
 * `error` names `limitSetting` or, without one, is the sandbox ending rather than a Python
 * exception. `ok` is the caller's to check (what the code printed).
 */
export function expectLegitimate(
  result: ExecutionResult,
  outcomes: LegitimateOutcomes,
  limitSetting?: string,
): void {
  const allowed = outcomes[TEST_RUNTIME as keyof LegitimateOutcomes]
  expect(
    allowed,
    `under ${TEST_RUNTIME}: status ${result.status}, exit ${result.exitCode}: ${result.message}`,
  ).toContain(result.status)
  if (result.status === 'memory_limit')
    expect(result.message).toContain('code_execution.limits.memory_mb')
  if (result.status === 'timeout') expect(result.exitCode).toBeNull()
  if (result.status === 'error') {
    if (limitSetting !== undefined) expect(result.message).toContain(limitSetting)
    else expect(result.error).toBeNull()
  }
}
