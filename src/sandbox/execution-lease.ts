import type { LimitsConfig } from '../config/schema.js'
import type { StartedContainer } from '../engine/container-engine.js'
import type { ContainerGone } from '../engine/container-proofs.js'
import { buildContainerSpec, READY_MARKER } from '../engine/container-spec.js'
import type { Logger } from '../logger.js'
import { Workspace } from '../workspace/workspace.js'
import type { ContainerExecution } from './container-execution.js'
import { grantFileAccess } from './file-access.js'
import { importsAnyOf } from './imported-modules.js'
import type { WarmEntry } from './warm-pool.js'

/**
 * A started container for one execution, with its workspace when file operations are
 * effective. Where it came from is the only difference between warm and cold runs: a warm
 * lease ends by handing the entry back to the pool (removed in the background); a cold one
 * removes the container now. Either way the workspace is removed after the container, with
 * the engine's word that it is gone.
 */
export interface Lease {
  readonly container: StartedContainer
  readonly workspace: Workspace | undefined
  /** Never rejects: what cannot be removed is logged and left to the sweep. */
  end(): Promise<void>
}

/** How long a cold container may wait for its code: only the gap between start and stdin. */
const COLD_IDLE_DEADLINE_MS = 30_000
/** Past `pool.idle_seconds` the pool replaces an entry within its recycle interval (≤ 10 s). */
const WARM_IDLE_SLACK_MS = 15_000

type LeaseContext = Pick<
  ContainerExecution,
  'engine' | 'config' | 'logger' | 'owner' | 'runtime' | 'hostFiles' | 'id'
>

/**
 * A warm container from the pool, when one is ready (or lands sooner than a cold start would
 * be ready) and the request keeps the configured limits.
 */
export async function leaseWarm(execution: ContainerExecution): Promise<Lease | undefined> {
  const configured = execution.config.code_execution.limits
  const lowered = Object.entries(execution.request.limits).some(
    ([key, value]) => configured[key as keyof typeof configured] !== value,
  )
  const pool = execution.pool
  if (lowered || pool === undefined) return undefined
  const { code, setupCode = '' } = execution.request
  // Code that imports a preloaded module gets a preloaded container first; other code a plain one.
  const wantsPreloaded = importsAnyOf([code, setupCode], execution.config.pool.preload)
  const entry = await pool.acquire({ wantsPreloaded }, execution.signal)
  if (entry === undefined) return undefined
  return {
    container: entry.container,
    workspace: entry.workspace,
    end: async () => pool.release(entry),
  }
}

/** A fresh container with the request's limits; `{ error }` when the engine fails to start it. */
export async function startCold(
  execution: ContainerExecution,
): Promise<Lease | { error: unknown }> {
  let workspace: Workspace | undefined
  try {
    workspace = await workspaceFor(execution, execution.request.limits.workspace_mb)
    const container = await execution.engine.start(
      specFor(execution, execution.request.limits, workspace, COLD_IDLE_DEADLINE_MS),
    )
    return {
      container,
      workspace,
      end: () => removeAll(execution.logger, container, workspace),
    }
  } catch (error) {
    await removeWorkspaceOnceGone(execution, workspace)
    return { error }
  }
}

/** Starts one warm container (for the pool): its own workspace, the configured limits, the preloads. */
export async function createWarmEntry(
  context: LeaseContext,
  preload: readonly string[],
): Promise<WarmEntry> {
  const settings = context.config.code_execution
  const idleDeadlineMs = context.config.pool.idle_seconds * 1_000 + WARM_IDLE_SLACK_MS
  let workspace: Workspace | undefined
  try {
    workspace = await workspaceFor(context, settings.limits.workspace_mb)
    const spec = specFor(context, settings.limits, workspace, idleDeadlineMs, preload)
    const container = await context.engine.start(spec, READY_MARKER)
    return {
      executionId: context.id,
      container,
      workspace,
      createdAt: performance.now(),
      preloaded: preload.length > 0,
    }
  } catch (error) {
    await removeWorkspaceOnceGone(context, workspace)
    throw error
  }
}

/** Removes a used container, then its workspace. */
export async function removeAll(
  logger: Logger,
  container: StartedContainer,
  workspace: Workspace | undefined,
): Promise<void> {
  let gone: ContainerGone
  try {
    gone = await container.discard()
  } catch (error) {
    logger.warn('could not remove a container; its workspace is left for the sweep', {
      container: container.id,
      error: String(error),
    })
    return
  }
  await workspace?.dispose(gone).catch((error: unknown) => {
    logger.warn('could not remove workspace', { dir: workspace.dir, error: String(error) })
  })
}

function workspaceFor(context: LeaseContext, sizeMb: number): Promise<Workspace | undefined> {
  if (context.hostFiles === undefined) return Promise.resolve(undefined)
  return Workspace.create({
    root: context.hostFiles.workspaceRoot,
    instanceId: context.config.orchestrator.instance_id,
    owner: context.owner,
    executionId: context.id,
    sizeMb,
    tmpfs: context.hostFiles.workspaceTmpfs,
  })
}

function specFor(
  context: LeaseContext,
  limits: LimitsConfig,
  workspace: Workspace | undefined,
  idleDeadlineMs: number,
  preload?: readonly string[],
) {
  return buildContainerSpec({
    image: context.config.code_execution.image,
    runtime: context.runtime,
    limits,
    instanceId: context.config.orchestrator.instance_id,
    owner: context.owner,
    executionId: context.id,
    fileAccess:
      workspace &&
      context.hostFiles &&
      grantFileAccess(context.config.code_execution, context.hostFiles.mounts, workspace.dir),
    idleDeadlineMs,
    ...(preload === undefined ? {} : { warm: { preload } }),
  })
}

/** After a failed start: the workspace goes only if the engine says no container of it is left. */
async function removeWorkspaceOnceGone(
  context: LeaseContext,
  workspace: Workspace | undefined,
): Promise<void> {
  if (workspace === undefined) return
  try {
    const gone = await context.engine.containerGone(context.id)
    if (gone === undefined) throw new Error('a container of this execution still exists')
    await workspace.dispose(gone)
  } catch (error) {
    context.logger.warn('could not remove the workspace of a failed start; left for the sweep', {
      dir: workspace.dir,
      error: String(error),
    })
  }
}
