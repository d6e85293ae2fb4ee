import { readdir } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import type { ContainerEngine } from '../engine/container-engine.js'
import { instanceDir, removeWorkspaceDir } from './workspace.js'

export interface WorkspaceReapOptions {
  /** The resolved workspace root. */
  readonly root: string
  readonly instanceId: string
  /** Also remove workspaces whose owner process is alive. @default false */
  readonly includeLive?: boolean
  readonly isAlive: (pid: number) => boolean
  /** Also these of a live owner (`host/pid`): ones none of its executions holds any more. */
  readonly isLeftover?: (owner: string, executionId: string) => boolean
  /** Asked, for each workspace, whether its container is gone: none is removed while one exists. */
  readonly engine: Pick<ContainerEngine, 'containerGone'>
}

/** `host_pid-executionId`: the host may hold `_` and `-`, the execution id holds no `_`. */
const WORKSPACE_NAME = /^(.*)_(\d+)-([^_]+)$/

/**
 * Removes workspaces of this instance whose owner process on this host is gone and whose
 * container the engine no longer has. Returns their paths.
 */
export async function reapWorkspaces(options: WorkspaceReapOptions): Promise<string[]> {
  const parent = instanceDir(options.root, options.instanceId)
  const names = await readdir(parent).catch(() => [] as string[])
  const removed: string[] = []
  for (const name of names) {
    const match = WORKSPACE_NAME.exec(name)
    if (match === null) continue
    const [, host, pid, executionId] = match as unknown as [string, string, string, string]
    const orphan = host === hostname() && !options.isAlive(Number(pid))
    const leftover = options.isLeftover?.(`${host}/${pid}`, executionId) === true
    if (!orphan && !leftover && options.includeLive !== true) continue
    if ((await options.engine.containerGone(executionId)) === undefined) continue
    const path = join(parent, name)
    await removeWorkspaceDir(path)
    removed.push(path)
  }
  return removed
}
