import type { SandboxConfig } from '../config/schema.js'
import type {
  ContainerEngine,
  ContainerOutcome,
  ExecuteRequest,
  OutputListener,
} from '../engine/container-engine.js'
import { initHeader } from '../engine/init-protocol.js'
import type { Logger } from '../logger.js'
import { guardSettings } from '../policy/runtime-guard.js'
import type { CollectedFiles } from '../workspace/workspace-files.js'
import { engineErrorResult } from './engine-error-result.js'
import type { ValidatedRequest } from './execute-request.js'
import { type Lease, leaseWarm, startCold } from './execution-lease.js'
import type { RunResult } from './execution-result.js'
import type { HostFiles } from './host-files.js'
import { summarizeOutcome } from './outcome.js'
import { reportAllowanceBytes, runnerInput } from './runner-input.js'
import { endOfRun, newRunnerMarkers, type RunnerMarkers } from './runner-markers.js'
import type { WarmPool } from './warm-pool.js'

export { engineErrorResult }

export interface ContainerExecution {
  readonly engine: ContainerEngine
  readonly config: SandboxConfig
  readonly logger: Logger
  /** `hostname/pid` of this process. */
  readonly owner: string
  readonly runtime: string
  /** Resolved and checked at start-up; present only when file operations are effective. */
  readonly hostFiles: HostFiles | undefined
  readonly id: string
  readonly request: ValidatedRequest
  readonly signal: AbortSignal
  readonly onOutput?: OutputListener | undefined
  /** Warm containers made with the configured limits; a request that lowers them runs cold. */
  readonly pool?: WarmPool | undefined
}

/** How long the container's own init lets the code run past the host's timeout before it ends everything. */
const DEADLINE_SLACK_MS = 2_000

/**
 * How long reading a stopped container's workspace may take. It is bounded in entries and
 * bytes already (see output-files.ts); this bounds what a slow disk makes of them.
 */
const COLLECT_DEADLINE_MS = 30_000

const NO_FILES: CollectedFiles = { files: [], filesTruncated: false }

/**
 * One execution in one fresh container: a lease (warm from the pool when one is ready and
 * fits, else cold), the run, then, only with a workspace, the container stopped and its
 * files read. The lease ends on every path: the container is removed, and its workspace
 * after it. An abort surfaces as `'aborted'`.
 */
export async function executeInContainer(
  execution: ContainerExecution,
): Promise<RunResult | 'aborted'> {
  const warm = await leaseWarm(execution)
  // Aborted while waiting for a warm container: no cold one is started for it.
  if (warm === undefined && execution.signal.aborted) return 'aborted'
  const lease = warm ?? (await startCold(execution))
  if (!('container' in lease))
    return engineErrorResult(execution.id, execution.runtime, lease.error)
  try {
    const markers = newRunnerMarkers()
    const outcome = await run(execution, lease, markers)
    if (outcome === 'aborted' || outcome instanceof Error) return settled(execution, outcome)
    const collected = await collect(execution, lease)
    if (collected === 'aborted' || collected instanceof Error) return settled(execution, collected)
    return toResult(execution, outcome, collected)
  } finally {
    await lease.end()
  }
}

async function run(
  execution: ContainerExecution,
  lease: Lease,
  markers: RunnerMarkers,
): Promise<ContainerOutcome | 'aborted' | Error> {
  try {
    await lease.workspace?.writeInputs(execution.request.files)
    const outcome = await lease.container.execute(executeRequest(execution, markers))
    return outcome.stopReason === 'aborted' ? 'aborted' : outcome
  } catch (error) {
    return asError(error)
  }
}

/** Only with a workspace: the container is stopped first, so nothing changes the tree while it is read. */
async function collect(
  execution: ContainerExecution,
  lease: Lease,
): Promise<CollectedFiles | 'aborted' | Error> {
  if (lease.workspace === undefined) return NO_FILES
  const deadline = AbortSignal.timeout(COLLECT_DEADLINE_MS)
  try {
    const stopped = await lease.container.stop()
    const { limits } = execution.request
    return await lease.workspace.collectOutputs(
      stopped,
      {
        fileBytes: limits.returned_file_bytes,
        totalBytes: limits.returned_total_bytes,
        files: limits.returned_files,
      },
      AbortSignal.any([execution.signal, deadline]),
    )
  } catch (error) {
    if (deadline.aborted && !execution.signal.aborted)
      return new Error(
        `Reading the workspace's files took longer than ${COLLECT_DEADLINE_MS / 1_000} s, so none are returned; the code's own outcome is unknown. Return fewer or smaller files (code_execution.limits.returned_files, returned_total_bytes).`,
      )
    return asError(error)
  }
}

function settled(execution: ContainerExecution, outcome: 'aborted' | Error): RunResult | 'aborted' {
  if (outcome === 'aborted' || execution.signal.aborted) return 'aborted'
  return engineErrorResult(execution.id, execution.runtime, outcome)
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}

function executeRequest(execution: ContainerExecution, markers: RunnerMarkers): ExecuteRequest {
  const { request, signal, config } = execution
  const timeoutMs = request.timeoutSeconds * 1_000
  return {
    stdin:
      initHeader(Math.ceil(timeoutMs) + DEADLINE_SLACK_MS) +
      runnerInput(
        { code: request.code, setupCode: request.setupCode },
        request.limits,
        markers.secret,
        guardSettings(config.code_execution),
      ),
    timeoutMs,
    outputLimitBytes: request.limits.output_bytes,
    reportLimitBytes: reportAllowanceBytes(request.limits),
    signal,
    // The engine takes the markers out: only the code's output is streamed.
    onOutput: execution.onOutput,
    endOfRun: endOfRun(markers),
  }
}

function toResult(
  execution: ContainerExecution,
  outcome: ContainerOutcome,
  collected: CollectedFiles,
): RunResult {
  const summary = summarizeOutcome(outcome, {
    timeoutSeconds: execution.request.timeoutSeconds,
    configuredTimeoutSeconds: execution.config.code_execution.timeout_seconds,
    limits: execution.request.limits,
  })
  return {
    id: execution.id,
    ...summary,
    ...collected,
    durationMs: 0,
    runtime: execution.runtime,
  }
}
