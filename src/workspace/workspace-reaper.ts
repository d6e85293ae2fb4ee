import { readdir } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { instanceDir, removeWorkspaceDir } from './workspace.js'

export interface WorkspaceReapOptions {
  readonly root?: string | undefined
  readonly instanceId: string
  /** Also remove workspaces whose owner process is alive. @default false */
  readonly includeLive?: boolean
  readonly isAlive: (pid: number) => boolean
}

/** Removes workspaces of this instance whose owner process on this host is gone. Returns their paths. */
export async function reapWorkspaces(options: WorkspaceReapOptions): Promise<string[]> {
  const parent = instanceDir(options.root, options.instanceId)
  const names = await readdir(parent).catch(() => [] as string[])
  const here = `${hostname()}_`
  const doomed = names.filter((name) => {
    if (options.includeLive === true) return true
    if (!name.startsWith(here)) return false
    const pid = Number(name.slice(here.length).split('-')[0])
    return !Number.isInteger(pid) || !options.isAlive(pid)
  })
  const paths = doomed.map((name) => join(parent, name))
  for (const path of paths) await removeWorkspaceDir(path)
  return paths
}
