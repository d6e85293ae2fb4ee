import type { LimitsConfig } from '../config/schema.js'
import type { ContainerOutcome } from '../engine/container-engine.js'
import type { Violation } from '../policy/types.js'
import type { ExecutionStatus, PythonError } from './execution-result.js'
import { partPrefix } from './part-prefix.js'
import { NO_RICH_RESULT, type RichResult } from './rich-result.js'
import { readRunnerFrame } from './runner-frame.js'

export interface OutcomeSummary extends RichResult {
  readonly status: ExecutionStatus
  readonly exitCode: number | null
  readonly stdout: string
  readonly stderr: string
  readonly truncated: boolean
  readonly error: PythonError | null
  readonly message: string | null
  /** The runtime guard's refusal, when it ended the run (status `policy_violation`). */
  readonly violations: readonly Violation[]
}

export interface OutcomeContext {
  /** The limit this execution ran under. */
  readonly timeoutSeconds: number
  /** `code_execution.timeout_seconds`; a request may have asked for less. */
  readonly configuredTimeoutSeconds: number
  readonly limits: LimitsConfig
}

/** Maps what the container did to the status the caller sees, with a message naming the setting. */
export function summarizeOutcome(
  outcome: ContainerOutcome,
  context: OutcomeContext,
): OutcomeSummary {
  const frame = readRunnerFrame(outcome.report)
  const error = frame?.error ?? null
  const killedByUs = outcome.stopReason !== 'exited'
  // A run that ended on the runner's report has no container exit code yet: the frame has it.
  const exited = { ...outcome, exitCode: outcome.exitCode ?? frame?.exitCode ?? null }
  const guarded = frame?.violation === undefined || killedByUs ? [] : [frame.violation]
  const status = guarded.length > 0 ? 'policy_violation' : statusOf(exited, error)
  return {
    status,
    exitCode: killedByUs ? null : exited.exitCode,
    stdout: outcome.stdout,
    stderr: outcome.stderr,
    truncated: outcome.stdoutTruncated || outcome.stderrTruncated,
    error,
    message:
      guarded.length > 0 ? guardMessage(guarded) : messageFor(status, exited, error, context),
    violations: guarded,
    result: frame?.result ?? NO_RICH_RESULT.result,
    artifacts: frame?.artifacts ?? NO_RICH_RESULT.artifacts,
    artifactsTruncated: frame?.artifactsTruncated ?? false,
  }
}

function statusOf(outcome: ContainerOutcome, error: PythonError | null): ExecutionStatus {
  if (outcome.stopReason === 'timeout') return 'timeout'
  if (outcome.stoppedByEngine) return 'engine_error'
  if (outcome.stopReason === 'output_limit') return 'output_limit'
  if (outcome.oomKilled || error?.name === 'MemoryError') return 'memory_limit'
  return outcome.exitCode === 0 ? 'ok' : 'error'
}

function messageFor(
  status: ExecutionStatus,
  outcome: ContainerOutcome,
  error: PythonError | null,
  { timeoutSeconds, configuredTimeoutSeconds, limits }: OutcomeContext,
): string | null {
  switch (status) {
    case 'ok':
      return null
    case 'timeout':
      return timeoutSeconds < configuredTimeoutSeconds
        ? `Stopped after the ${timeoutSeconds} s time limit that the request asked for (code_execution.timeout_seconds allows up to ${configuredTimeoutSeconds} s).`
        : `Stopped after the ${timeoutSeconds} s time limit (code_execution.timeout_seconds).`
    case 'output_limit':
      return `Stopped when output passed ${limits.output_bytes} bytes on one stream (code_execution.limits.output_bytes); the output shown is cut there.`
    case 'memory_limit':
      return `Ran out of memory: the limit is ${limits.memory_mb} MB (code_execution.limits.memory_mb).`
    case 'engine_error':
      return `The Docker engine stopped the container before the code finished (exit code ${outcome.exitCode}): the engine shutting down or restarting, or a \`docker stop\`/\`docker kill\` from outside. The code's own outcome is unknown; run it again once the engine is back.`
    default:
      if (error !== null)
        return (
          diskMessage(error, limits) ??
          processMessage(error, limits) ??
          missingModuleMessage(error) ??
          `${error.name}: ${error.value}`
        )
      return `The code exited with code ${outcome.exitCode}.`
  }
}

/** Worded like the static policy's refusal, so either layer reads the same. */
function guardMessage(violations: readonly Violation[]): string {
  const list = violations
    .map((v) => `${v.rule} at ${partPrefix(v.part)}${v.line}:${v.column} (${v.event}: ${v.text})`)
    .join('; ')
  return `Refused at run time by the policy guard, which ended the run: ${list}. See the violation's hint for the setting that allows it.`
}

/** ENOSPC and EFBIG name the limit that was hit, not just the errno. */
function diskMessage(error: PythonError, limits: LimitsConfig): string | undefined {
  if (error.value.startsWith('[Errno 28]')) {
    return `${error.name}: ${error.value}. The code ran out of disk space: /tmp holds ${limits.tmpfs_mb} MB (code_execution.limits.tmpfs_mb) and /workspace, where present, ${limits.workspace_mb} MB (code_execution.limits.workspace_mb).`
  }
  if (error.value.startsWith('[Errno 27]')) {
    return `${error.name}: ${error.value}. A file grew past the largest size a process may write, just over ${Math.max(limits.tmpfs_mb, limits.workspace_mb)} MB (the larger of code_execution.limits.tmpfs_mb and workspace_mb).`
  }
  return undefined
}

/** A process or thread refused for lack of room names the limit it ran into. */
function processMessage(error: PythonError, limits: LimitsConfig): string | undefined {
  const refused =
    (error.name === 'BlockingIOError' && error.value.startsWith('[Errno 11]')) ||
    (error.name === 'RuntimeError' && error.value === "can't start new thread")
  if (!refused) return undefined
  return `${error.name}: ${error.value}. The code reached its limit of ${limits.pids} processes and threads (code_execution.limits.pids).`
}

/** A module the policy allows but the image lacks: say how to add it, not just that it is missing. */
function missingModuleMessage(error: PythonError): string | undefined {
  if (error.name !== 'ModuleNotFoundError') return undefined
  const module = /No module named '([^']+)'/.exec(error.value)?.[1]
  if (module === undefined) return undefined
  const top = module.split('.')[0] ?? module
  return `${error.name}: ${error.value}. The sandbox image has no \`${top}\`: add its Debian package (usually python3-${top.toLowerCase()}) to images/python/packages.txt and run \`make image\` (docs/images.md).`
}
