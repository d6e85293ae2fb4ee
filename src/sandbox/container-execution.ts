import type { SandboxConfig } from '../config/schema.js'
import type {
  ContainerEngine,
  ContainerOutcome,
  OutputListener,
} from '../engine/container-engine.js'
import { buildContainerSpec, type FileAccessGrant, READY_MARKER } from '../engine/container-spec.js'
import { SandboxError } from '../errors.js'
import type { Logger } from '../logger.js'
import { guardSettings } from '../policy/runtime-guard.js'
import { Workspace } from '../workspace/workspace.js'
import type { CollectedFiles } from '../workspace/workspace-files.js'
import type { ValidatedRequest } from './execute-request.js'
import type { ExecutionResult } from './execution-result.js'
import { fileAccessEffective, grantFileAccess } from './file-access.js'
import { summarizeOutcome } from './outcome.js'
import { NO_RICH_RESULT } from './rich-result.js'
import { runnerHasReported } from './runner-frame.js'
import { reportAllowanceBytes, runnerInput } from './runner-input.js'
import type { WarmEntry, WarmPool } from './warm-pool.js'

export interface ContainerExecution {
  readonly engine: ContainerEngine
  readonly config: SandboxConfig
  readonly logger: Logger
  /** `hostname/pid` of this process. */
  readonly owner: string
  readonly runtime: string
  readonly id: string
  readonly request: ValidatedRequest
  readonly signal: AbortSignal
  readonly onOutput?: OutputListener | undefined
  /** Warm containers made with the configured limits; a request that lowers them runs cold. */
  readonly pool?: WarmPool | undefined
}

const NO_FILES: CollectedFiles = { files: [], filesTruncated: false }

/**
 * One execution in one fresh container, warm from the pool when one is ready and fits,
 * else cold; with its workspace when file operations are effective. Container and
 * workspace are removed on every path; an abort surfaces as `'aborted'`.
 */
export async function executeInContainer(
  execution: ContainerExecution,
): Promise<ExecutionResult | 'aborted'> {
  const warm = takeWarm(execution)
  let workspace = warm?.workspace
  try {
    if (warm === undefined && fileAccessEffective(execution.config.code_execution)) {
      workspace = await createWorkspace(
        execution,
        execution.id,
        execution.request.limits.workspace_mb,
      )
    }
    await workspace?.writeInputs(execution.request.files)
    const outcome = warm
      ? await runWarm(execution, warm)
      : await runCold(
          execution,
          workspace && grantFileAccess(execution.config.code_execution, workspace.dir),
        )
    if (outcome === 'aborted') return 'aborted'
    if (outcome instanceof Error) return engineErrorResult(execution.id, execution.runtime, outcome)
    const collected = workspace ? await collect(workspace, execution.request) : NO_FILES
    return toResult(execution, outcome, collected)
  } finally {
    if (warm !== undefined) execution.pool?.release(warm)
    else await disposeQuietly(execution, workspace)
  }
}

/** Starts one warm container (for the pool): its own workspace, the configured limits, the preloads. */
export async function createWarmEntry(
  context: Omit<ContainerExecution, 'request' | 'signal' | 'onOutput' | 'pool'>,
  preload: readonly string[],
): Promise<WarmEntry> {
  const settings = context.config.code_execution
  const workspace = fileAccessEffective(settings)
    ? await createWorkspace(context, context.id, settings.limits.workspace_mb)
    : undefined
  try {
    const spec = buildContainerSpec({
      ...specBase(context, settings.limits),
      fileAccess: workspace && grantFileAccess(settings, workspace.dir),
      warm: { preload },
    })
    const container = await context.engine.start(spec, READY_MARKER)
    return { container, workspace, createdAt: performance.now(), preloaded: preload.length > 0 }
  } catch (error) {
    await workspace?.dispose()
    throw error
  }
}

function takeWarm(execution: ContainerExecution): WarmEntry | undefined {
  const configured = execution.config.code_execution.limits
  const lowered = Object.entries(execution.request.limits).some(
    ([key, value]) => configured[key as keyof typeof configured] !== value,
  )
  return lowered ? undefined : execution.pool?.take()
}

function createWorkspace(
  context: Pick<ContainerExecution, 'config' | 'owner'>,
  executionId: string,
  sizeMb: number,
): Promise<Workspace> {
  return Workspace.create({
    root: context.config.code_execution.workspace_root,
    instanceId: context.config.orchestrator.instance_id,
    owner: context.owner,
    executionId,
    sizeMb,
  })
}

function specBase(
  context: Pick<ContainerExecution, 'config' | 'owner' | 'runtime' | 'id'>,
  limits: ValidatedRequest['limits'],
) {
  return {
    image: context.config.code_execution.image,
    runtime: context.runtime,
    limits,
    instanceId: context.config.orchestrator.instance_id,
    owner: context.owner,
    executionId: context.id,
  }
}

function executeRequest(execution: ContainerExecution) {
  const { request, signal } = execution
  return {
    stdin: runnerInput(
      request.code,
      request.limits,
      guardSettings(execution.config.code_execution),
    ),
    timeoutMs: request.timeoutSeconds * 1_000,
    outputLimitBytes: request.limits.output_bytes,
    stderrAllowanceBytes: reportAllowanceBytes(request.limits),
    signal,
    onOutput: execution.onOutput,
    isComplete: runnerHasReported,
  }
}

async function runCold(
  execution: ContainerExecution,
  fileAccess: FileAccessGrant | undefined,
): Promise<ContainerOutcome | 'aborted' | Error> {
  const spec = buildContainerSpec({ ...specBase(execution, execution.request.limits), fileAccess })
  return settle(execution, () => execution.engine.run({ spec, ...executeRequest(execution) }))
}

function runWarm(
  execution: ContainerExecution,
  warm: WarmEntry,
): Promise<ContainerOutcome | 'aborted' | Error> {
  return settle(execution, () => warm.container.execute(executeRequest(execution)))
}

async function settle(
  execution: ContainerExecution,
  run: () => Promise<ContainerOutcome>,
): Promise<ContainerOutcome | 'aborted' | Error> {
  try {
    const outcome = await run()
    return outcome.stopReason === 'aborted' ? 'aborted' : outcome
  } catch (error) {
    if (execution.signal.aborted) return 'aborted'
    return error instanceof Error ? error : new Error(String(error))
  }
}

function collect(workspace: Workspace, request: ValidatedRequest): Promise<CollectedFiles> {
  const { limits } = request
  return workspace.collectOutputs({
    fileBytes: limits.returned_file_bytes,
    totalBytes: limits.returned_total_bytes,
    files: limits.returned_files,
  })
}

function toResult(
  execution: ContainerExecution,
  outcome: ContainerOutcome,
  collected: CollectedFiles,
): ExecutionResult {
  const settings = execution.config.code_execution
  const summary = summarizeOutcome(outcome, {
    timeoutSeconds: execution.request.timeoutSeconds,
    configuredTimeoutSeconds: settings.timeout_seconds,
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

async function disposeQuietly(
  execution: ContainerExecution,
  workspace: Workspace | undefined,
): Promise<void> {
  await workspace?.dispose().catch((error: unknown) => {
    execution.logger.warn('could not remove workspace', {
      id: execution.id,
      dir: workspace.dir,
      error: String(error),
    })
  })
}

export function engineErrorResult(
  id: string,
  runtime: string | null,
  error: unknown,
): ExecutionResult {
  const message = error instanceof SandboxError ? error.message : `Engine failure: ${String(error)}`
  return {
    id,
    status: 'engine_error',
    exitCode: null,
    stdout: '',
    stderr: '',
    truncated: false,
    durationMs: 0,
    violations: [],
    error: null,
    message,
    files: [],
    filesTruncated: false,
    runtime,
    ...NO_RICH_RESULT,
  }
}
