import { access, chmod, chown, constants, mkdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError } from '../errors.js'
import { isMountPoint, mountTmpfs, unmount } from './host-mount.js'
import {
  type CollectedFiles,
  collectOutputFiles,
  digest,
  type InputFile,
  type OutputCaps,
  writeInputFiles,
} from './workspace-files.js'

/** The uid:gid the sandbox runs as (see images/python/Dockerfile). */
const SANDBOX_UID = 10001
const SANDBOX_GID = 10001

export interface WorkspaceOptions {
  /** @default `<system temp>/tinyagent-sandbox` */
  readonly root?: string | undefined
  readonly instanceId: string
  /** `hostname/pid`, written into the directory name so a reaper can tell orphans. */
  readonly owner: string
  readonly executionId: string
  readonly sizeMb: number
}

export function defaultWorkspaceRoot(): string {
  return join(tmpdir(), 'tinyagent-sandbox')
}

/** Where one instance's workspaces live. */
export function instanceDir(root: string | undefined, instanceId: string): string {
  return join(root ?? defaultWorkspaceRoot(), instanceId)
}

/**
 * Creates the instance's directory under the workspace root, or fails with an error that
 * names the setting to fix: called at start-up and before each workspace.
 */
export async function prepareInstanceDir(
  root: string | undefined,
  instanceId: string,
): Promise<string> {
  const parent = instanceDir(root, instanceId)
  try {
    await mkdir(parent, { recursive: true, mode: 0o700 })
    await access(parent, constants.W_OK)
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error)
    throw new ConfigError('code_execution.workspace_root', [
      {
        path: '',
        message: `cannot create workspaces in ${parent} (${reason}): point it at a writable directory, or leave it unset for ${defaultWorkspaceRoot()}`,
      },
    ])
  }
  return parent
}

/** `host/pid` → a directory-name prefix, `host_pid-`. */
export function ownerPrefix(owner: string): string {
  return `${owner.replace('/', '_')}-`
}

/**
 * One execution's fresh host directory, mounted at /workspace. As root it is a tmpfs of
 * `sizeMb`, so a full workspace is ENOSPC inside the container, not a full host disk.
 * `dispose()` removes it on every path; the reaper removes what a crash left.
 */
export class Workspace {
  readonly dir: string
  /** True when the size limit is enforced by a tmpfs mount. */
  readonly sizeLimited: boolean
  readonly #inputs = new Map<string, string>()

  private constructor(dir: string, sizeLimited: boolean) {
    this.dir = dir
    this.sizeLimited = sizeLimited
  }

  static async create(options: WorkspaceOptions): Promise<Workspace> {
    const parent = await prepareInstanceDir(options.root, options.instanceId)
    const dir = join(parent, `${ownerPrefix(options.owner)}${options.executionId}`)
    await mkdir(dir, { mode: 0o700 })
    try {
      const sizeLimited = await mountTmpfs(dir, options.sizeMb, SANDBOX_UID, SANDBOX_GID)
      if (!sizeLimited) await makeWritableForSandbox(dir)
      return new Workspace(dir, sizeLimited)
    } catch (error) {
      await rm(dir, { recursive: true, force: true })
      throw error
    }
  }

  async writeInputs(files: readonly InputFile[]): Promise<void> {
    await writeInputFiles(this.dir, files, 0o666)
    for (const file of files) this.#inputs.set(file.name, digest(file.content))
    if (process.getuid?.() === 0) await chownTree(this.dir, files)
  }

  /** Call only once the container has stopped: nothing may change the tree while it is read. */
  collectOutputs(caps: OutputCaps): Promise<CollectedFiles> {
    return collectOutputFiles(this.dir, this.#inputs, caps)
  }

  async dispose(): Promise<void> {
    await removeWorkspaceDir(this.dir)
  }
}

/** Unmounts (if mounted) and deletes a workspace directory; never follows symlinks. */
export async function removeWorkspaceDir(dir: string): Promise<void> {
  if (await isMountPoint(dir)) await unmount(dir)
  await rm(dir, { recursive: true, force: true })
}

/** Without root there is no chown: the directory is opened to all, inside a 0700 parent. */
async function makeWritableForSandbox(dir: string): Promise<void> {
  await chmod(dir, 0o777)
}

/** Input files and their directories belong to the sandbox user, so the code may change them. */
async function chownTree(root: string, files: readonly InputFile[]): Promise<void> {
  const paths = new Set<string>()
  for (const file of files) {
    const segments = file.name.split('/')
    for (let i = 1; i <= segments.length; i++) paths.add(join(root, ...segments.slice(0, i)))
  }
  for (const path of paths) await chown(path, SANDBOX_UID, SANDBOX_GID)
}
