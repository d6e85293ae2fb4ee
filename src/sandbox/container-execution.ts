import type { SandboxConfig } from '../config/schema.js'
import type {
  ContainerEngine,
  ContainerOutcome,
  OutputListener,
} from '../engine/container-engine.js'
import { buildContainerSpec, type FileAccessGrant } from '../engine/container-spec.js'
import { SandboxError } from '../errors.js'
import type { Logger } from '../logger.js'
import { Workspace } from '../workspace/workspace.js'
import type { CollectedFiles } from '../workspace/workspace-files.js'
import type { ValidatedRequest } from './execute-request.js'
import type { ExecutionResult } from './execution-result.js'
import { fileAccessEffective, grantFileAccess } from './file-access.js'
import { summarizeOutcome } from './outcome.js'
import { runnerInput } from './runner-input.js'

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
}

const NO_FILES: CollectedFiles = { files: [], filesTruncated: false }

/**
 * One execution in one fresh container, with its workspace when file operations are
 * effective. The workspace is removed on every path; an abort surfaces as `'aborted'`.
 */
export async function executeInContainer(
  execution: ContainerExecution,
): Promise<ExecutionResult | 'aborted'> {
  const { config, id } = execution
  const settings = config.code_execution
  let workspace: Workspace | undefined
  try {
    if (fileAccessEffective(settings)) {
      workspace = await Workspace.create({
        root: settings.workspace_root,
        instanceId: config.orchestrator.instance_id,
        owner: execution.owner,
        executionId: id,
        sizeMb: execution.request.limits.workspace_mb,
      })
      await workspace.writeInputs(execution.request.files)
    }
    const grant = workspace === undefined ? undefined : grantFileAccess(settings, workspace.dir)
    const outcome = await runContainer(execution, grant)
    if (outcome === 'aborted') return 'aborted'
    if (outcome instanceof Error) return engineErrorResult(id, execution.runtime, outcome)
    const { limits } = execution.request
    const collected = workspace
      ? await workspace.collectOutputs({
          fileBytes: limits.returned_file_bytes,
          totalBytes: limits.returned_total_bytes,
          files: limits.returned_files,
        })
      : NO_FILES
    const summary = summarizeOutcome(outcome, {
      timeoutSeconds: execution.request.timeoutSeconds,
      configuredTimeoutSeconds: settings.timeout_seconds,
      limits,
    })
    return {
      id,
      ...summary,
      ...collected,
      durationMs: 0,
      violations: [],
      runtime: execution.runtime,
    }
  } finally {
    await workspace?.dispose().catch((error: unknown) => {
      execution.logger.warn('could not remove workspace', {
        id,
        dir: workspace?.dir,
        error: String(error),
      })
    })
  }
}

async function runContainer(
  execution: ContainerExecution,
  fileAccess: FileAccessGrant | undefined,
): Promise<ContainerOutcome | 'aborted' | Error> {
  const { config, request, signal } = execution
  const spec = buildContainerSpec({
    image: config.code_execution.image,
    runtime: execution.runtime,
    limits: request.limits,
    instanceId: config.orchestrator.instance_id,
    owner: execution.owner,
    executionId: execution.id,
    fileAccess,
  })
  try {
    const outcome = await execution.engine.run({
      spec,
      stdin: runnerInput(request.code),
      timeoutMs: request.timeoutSeconds * 1_000,
      outputLimitBytes: request.limits.output_bytes,
      signal,
      onOutput: execution.onOutput,
    })
    return outcome.stopReason === 'aborted' ? 'aborted' : outcome
  } catch (error) {
    if (signal.aborted) return 'aborted'
    return error instanceof Error ? error : new Error(String(error))
  }
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
  }
}
