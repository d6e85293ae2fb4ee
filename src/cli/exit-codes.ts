import { SandboxError, type SandboxErrorCode } from '../errors.js'
import type { ExecutionStatus } from '../sandbox/execution-result.js'

/** The CLI's exit codes; `--help` prints this table. */
export const EXIT = {
  ok: 0,
  executionFailed: 1,
  usage: 2,
  policyViolation: 3,
  engine: 4,
  /**
   * EX_SOFTWARE (sysexits.h): `serve` or `mcp` met an unhandled rejection or uncaught
   * exception, a bug of ours; it was logged with its stack and the sandbox drained first.
   */
  software: 70,
  interrupted: 130,
} as const

export const EXIT_CODE_HELP = `Exit codes:
  0    the code ran and exited 0 (check: the code is allowed)
  1    the code failed: exception, syntax error, timeout, memory or output limit
  2    usage or configuration error (bad flag, invalid config.yml, unreadable file)
  3    refused by the static policy (check: at least one violation or syntax error)
  4    the Docker engine or the queue is unreachable, the image or runtime is missing,
       or no worker took the execution in time (queue.max_wait_seconds)
  70   serve or mcp stopped on an internal error (logged with its stack); containers removed
  130  interrupted (Ctrl-C); the container was removed`

export function exitCodeFor(status: ExecutionStatus): number {
  switch (status) {
    case 'ok':
      return EXIT.ok
    case 'policy_violation':
      return EXIT.policyViolation
    case 'engine_error':
      return EXIT.engine
    default:
      return EXIT.executionFailed
  }
}

/** The one table from a thrown error's code to the exit code; `--help` describes each. */
export const EXIT_FOR_ERROR: Readonly<Record<SandboxErrorCode, number>> = {
  config_invalid: EXIT.usage,
  invalid_argument: EXIT.usage,
  // The fix is a setting (orchestrator.queue_limit), as for an invalid config.
  queue_full: EXIT.usage,
  engine_unavailable: EXIT.engine,
  image_missing: EXIT.engine,
  aborted: EXIT.interrupted,
  shut_down: EXIT.interrupted,
  // Infrastructure, like the engine: Redis is down, or no worker took the job in time.
  queue_unavailable: EXIT.engine,
  deadline_exceeded: EXIT.engine,
}

/** The exit code for anything a command threw: a `SandboxError` by its code, else a failure. */
export function exitCodeForError(error: unknown): number {
  return error instanceof SandboxError ? EXIT_FOR_ERROR[error.code] : EXIT.executionFailed
}
