import { chmod, lstat, mkdir, rmdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { ContainerGone, StoppedContainer } from '../engine/container-proofs.js'
import { ConfigError } from '../errors.js'
import { DirectoryHandle } from './directory-handle.js'
import { mountTmpfs, unmount } from './host-mount.js'
import { collectOutputFiles } from './output-files.js'
import { removeTree } from './remove-tree.js'
import {
  type CollectedFiles,
  digest,
  type InputFile,
  type OutputCaps,
  writeInputFiles,
} from './workspace-files.js'
import { defaultWorkspaceRoot } from './workspace-root.js'

/** The uid:gid the sandbox runs as (see images/python/Dockerfile). */
const SANDBOX_UID = 10001
const SANDBOX_GID = 10001

export interface WorkspaceOptions {
  /** The workspace root, already resolved and checked (see resolveWorkspaceRoot). */
  readonly root: string
  readonly instanceId: string
  /** `hostname/pid`, written into the directory name so a reaper can tell orphans. */
  readonly owner: string
  readonly executionId: string
  readonly sizeMb: number
  /**
   * Mount a size-limited tmpfs on it (needs root); false makes a plain directory, as an
   * orchestrator that is not root gets. @default true
   */
  readonly tmpfs?: boolean | undefined
}

/** Where one instance's workspaces live, under a resolved root (or the default one). */
export function instanceDir(root: string | undefined, instanceId: string): string {
  return join(root ?? defaultWorkspaceRoot(), instanceId)
}

/**
 * Creates the instance's directory under the (resolved, checked) workspace root, or fails
 * with an error that names the setting to fix: called at start-up and before each workspace.
 */
export async function prepareInstanceDir(root: string, instanceId: string): Promise<string> {
  const parent = instanceDir(root, instanceId)
  try {
    await mkdir(parent, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error
    })
    const stat = await lstat(parent)
    if (!stat.isDirectory() || stat.uid !== process.getuid?.())
      throw Object.assign(new Error('not a directory of ours'), { code: 'ENOTDIR' })
    if ((stat.mode & 0o077) !== 0) await chmod(parent, 0o700)
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error)
    throw new ConfigError('code_execution.workspace_root', [
      {
        path: '',
        message: `cannot create workspaces in ${parent} (${reason}): point it at a directory of this user's that others cannot write`,
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
 *
 * The code owns what is inside, so nothing here resolves a path through it: every operation
 * works on descriptors, relative to the workspace's own directory (see DirectoryHandle).
 * And the code must be gone before the host looks: outputs are read only with the
 * StoppedContainer of the container it was mounted in, and the directory is removed only
 * with that container's ContainerGone.
 */
export class Workspace {
  readonly dir: string
  readonly executionId: string
  /** True when the size limit is enforced by a tmpfs mount. */
  readonly sizeLimited: boolean
  readonly #inputs = new Map<string, { size: number; digest: string }>()

  private constructor(dir: string, executionId: string, sizeLimited: boolean) {
    this.dir = dir
    this.executionId = executionId
    this.sizeLimited = sizeLimited
  }

  static async create(options: WorkspaceOptions): Promise<Workspace> {
    const parent = await prepareInstanceDir(options.root, options.instanceId)
    const dir = join(parent, `${ownerPrefix(options.owner)}${options.executionId}`)
    await mkdir(dir, { mode: 0o700 })
    try {
      const sizeLimited =
        options.tmpfs !== false && (await mountTmpfs(dir, options.sizeMb, SANDBOX_UID, SANDBOX_GID))
      // Without root there is no chown: the directory is opened to all, inside a 0700 parent.
      if (!sizeLimited) await chmod(dir, 0o777)
      return new Workspace(dir, options.executionId, sizeLimited)
    } catch (error) {
      await removeWorkspaceDir(dir)
      throw error
    }
  }

  /** Writes the caller's files before the code runs; they belong to the sandbox user. */
  async writeInputs(files: readonly InputFile[]): Promise<void> {
    if (files.length === 0) return
    const asRoot = process.getuid?.() === 0 && this.sizeLimited
    await withRoot(this.dir, (root) =>
      writeInputFiles(root, files, {
        fileMode: asRoot ? 0o644 : 0o666,
        dirMode: asRoot ? 0o755 : 0o777,
        ...(asRoot ? { owner: { uid: SANDBOX_UID, gid: SANDBOX_GID } } : {}),
      }),
    )
    for (const file of files)
      this.#inputs.set(file.name, { size: file.content.length, digest: digest(file.content) })
  }

  /** The files the code created or changed; only once its container has stopped. */
  async collectOutputs(
    stopped: StoppedContainer,
    caps: OutputCaps,
    signal?: AbortSignal,
  ): Promise<CollectedFiles> {
    this.#check(stopped.executionId)
    return await withRoot(this.dir, (root) => collectOutputFiles(root, this.#inputs, caps, signal))
  }

  /** Removes the directory; only once the container it was mounted in is gone. */
  async dispose(gone: ContainerGone): Promise<void> {
    this.#check(gone.executionId)
    await removeWorkspaceDir(this.dir)
  }

  #check(executionId: string): void {
    if (executionId !== this.executionId)
      throw new Error(
        `workspace ${this.executionId} was offered the container of execution ${executionId}`,
      )
  }
}

/**
 * Unmounts (if mounted) and deletes a workspace directory, never following anything inside
 * it. Call only when no container has it mounted: the reaper proves that with the engine.
 */
export async function removeWorkspaceDir(dir: string): Promise<void> {
  const stat = await lstat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw error
  })
  if (stat === undefined) return
  if (!stat.isDirectory()) throw new Error(`refusing to remove ${dir}: not a directory`)
  const mounted = stat.dev !== (await lstat(dirname(dir))).dev
  if (mounted) await unmount(dir)
  else await withRoot(dir, removeTree)
  await rmdir(dir)
}

async function withRoot<T>(dir: string, work: (root: DirectoryHandle) => Promise<T>): Promise<T> {
  const root = await DirectoryHandle.open(dir)
  try {
    return await work(root)
  } finally {
    await root.close()
  }
}
