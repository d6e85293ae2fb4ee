import type { Violation } from '../policy/types.js'
import type { OutputFile } from '../workspace/workspace-files.js'
import type { ExecutionReceipt } from './receipt.js'
import type { Artifact, ValueResult } from './rich-result.js'

/**
 * How an execution ended. Everything untrusted code can cause is one of these; only the
 * caller's mistakes and our own infrastructure throw.
 */
export type ExecutionStatus =
  | 'ok'
  | 'error'
  | 'policy_violation'
  | 'timeout'
  | 'memory_limit'
  | 'output_limit'
  | 'engine_error'

export const EXECUTION_STATUSES: readonly ExecutionStatus[] = [
  'ok',
  'error',
  'policy_violation',
  'timeout',
  'memory_limit',
  'output_limit',
  'engine_error',
]

/** An uncaught Python exception, as data. Line numbers point into the submitted code. */
export interface PythonError {
  /** e.g. `ZeroDivisionError` */
  readonly name: string
  readonly value: string
  readonly traceback: string
}

export interface ExecutionResult {
  readonly id: string
  readonly status: ExecutionStatus
  /** The Python process's exit code; null when no container ran or it was killed by us. */
  readonly exitCode: number | null
  readonly stdout: string
  readonly stderr: string
  /** True when stdout or stderr was cut at `limits.output_bytes`. */
  readonly truncated: boolean
  /** From the call to `execute()` to its result, queueing included. */
  readonly durationMs: number
  /** Static policy refusals; non-empty only with status `policy_violation`. */
  readonly violations: readonly Violation[]
  /** Set when the code raised (or did not compile). */
  readonly error: PythonError | null
  /** For any status but `ok`: what happened and what setting governs it. */
  readonly message: string | null
  /** Workspace files the code created or changed (only with file operations). */
  readonly files: readonly OutputFile[]
  /** Some created or changed files were left out (`limits.returned_files` or `returned_total_bytes`). */
  readonly filesTruncated: boolean
  /** The OCI runtime the container ran under (`runc`, `runsc`); null when none ran. */
  readonly runtime: string | null
  /** The value of the code's last line when it is an expression (a DataFrame also as a table). */
  readonly result: ValueResult | null
  /** Charts: matplotlib figures open at the end, as PNGs. */
  readonly artifacts: readonly Artifact[]
  /** Some charts were left out (`limits.artifacts` or `limits.artifact_bytes`). */
  readonly artifactsTruncated: boolean
  /** The node that produced the result (`orchestrator.node_name`, or `hostname/pid`). */
  readonly node: string
  /** What the execution was checked and run under: code, config, image, runtime, limits. */
  readonly receipt: ExecutionReceipt
}

/** A result as the run produced it, before the executor adds its node and receipt. */
export type RunResult = Omit<ExecutionResult, 'node' | 'receipt'>
