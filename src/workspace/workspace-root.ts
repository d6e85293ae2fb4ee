import { lstat as fsLstat, mkdir, readlink } from 'node:fs/promises'
import { homedir } from 'node:os'
import { posix } from 'node:path'
import { ConfigError } from '../errors.js'

const KEY = 'code_execution.workspace_root'
/** As Linux's MAXSYMLINKS: past this many links, the path is a loop. */
const MAX_SYMLINKS = 40
const GROUP_OR_OTHER_WRITE = 0o022
const STICKY = 0o1000

/** What the checks read of a path; `lstat` semantics, so a symlink is seen, not followed. */
export interface PathStats {
  readonly uid: number
  readonly mode: number
  isDirectory(): boolean
  isSymbolicLink(): boolean
}

export interface WorkspaceRootOptions {
  /** The user the root must belong to. @default process.getuid() */
  readonly uid?: number
  /** Reads a path without following a final symlink. @default fs.promises.lstat */
  readonly lstat?: (path: string) => Promise<PathStats>
  /** The root used when none is configured. @default defaultWorkspaceRoot() */
  readonly defaultRoot?: string
}

export interface DefaultWorkspaceRootOptions {
  /** @default process.getuid() */
  readonly uid?: number
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv
  /** @default os.homedir() */
  readonly home?: string
}

/**
 * A directory the orchestrator makes for itself, outside shared temp directories:
 * `/var/lib/tinyagent-sandbox/workspaces` as root, else under `$XDG_STATE_HOME`
 * (or `~/.local/state`).
 */
export function defaultWorkspaceRoot(options: DefaultWorkspaceRootOptions = {}): string {
  if ((options.uid ?? process.getuid?.()) === 0) return '/var/lib/tinyagent-sandbox/workspaces'
  const xdg = (options.env ?? process.env).XDG_STATE_HOME
  // The XDG spec says a relative value is invalid and must be ignored.
  const state = xdg?.startsWith('/')
    ? xdg
    : posix.join(options.home ?? homedir(), '.local', 'state')
  return posix.join(state, 'tinyagent-sandbox', 'workspaces')
}

/**
 * The real path of the workspace root, checked the way sshd's StrictModes checks a home:
 * the root is a directory of this user that group and others cannot write, and no other
 * user can swap anything on the way to it. Call once at start-up; the orchestrator, often
 * root, creates and deletes directories there.
 * @param configured - `code_execution.workspace_root`; unset means the default, created 0700.
 */
export async function resolveWorkspaceRoot(
  configured: string | undefined,
  options: WorkspaceRootOptions = {},
): Promise<string> {
  const walker = {
    uid: options.uid ?? process.getuid?.() ?? -1,
    lstat: options.lstat ?? fsLstat,
    isDefault: configured === undefined,
  }
  const path = configured ?? options.defaultRoot ?? defaultWorkspaceRoot()
  if (configured === undefined) {
    await mkdir(path, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
      throw refusal(
        `cannot create the default workspace root ${path} (${errorCode(error)})`,
        walker,
      )
    })
  }
  const resolved = await resolveTrusted(path, walker)
  const shown = resolved === path ? resolved : `${path} (resolves to ${resolved})`
  const stats = await walker.lstat(resolved)
  if (!stats.isDirectory()) throw refusal(`the workspace root ${shown} is not a directory`, walker)
  if (stats.uid !== walker.uid) {
    const fix = walker.isDefault
      ? `remove it, so that it is created afresh`
      : `run \`chown ${walker.uid} ${resolved}\`, or set ${KEY} to a directory this user owns`
    throw refusal(
      `the workspace root ${shown} is owned by uid ${stats.uid}, not by this process (uid ${walker.uid}), so that user decides what is written there; ${fix}`,
      walker,
    )
  }
  if ((stats.mode & GROUP_OR_OTHER_WRITE) !== 0) {
    throw refusal(
      `the workspace root ${shown} has mode ${octal(stats.mode)}, writable by group or others, who could plant symlinks in it; run \`chmod go-w ${resolved}\` (0700 is best)`,
      walker,
    )
  }
  return resolved
}

interface Walker {
  readonly uid: number
  readonly lstat: (path: string) => Promise<PathStats>
  readonly isDefault: boolean
}

/**
 * Resolves `path` one component at a time, like realpath(3), checking each directory it
 * looks into and each symlink it follows; a missing last component is created 0700.
 */
async function resolveTrusted(path: string, walker: Walker): Promise<string> {
  let resolved = '/'
  await checkAncestor(resolved, walker)
  let pending = path.split('/').filter((name) => name !== '' && name !== '.')
  let links = 0
  while (pending.length > 0) {
    const [name, ...rest] = pending as [string, ...string[]]
    pending = rest
    if (name === '..') {
      resolved = posix.dirname(resolved)
      continue
    }
    const next = posix.join(resolved, name)
    const stats = await lstatOrCreate(next, rest.length === 0, walker)
    if (stats.isSymbolicLink()) {
      if (++links > MAX_SYMLINKS) throw refusal(`${path} has a symlink loop`, walker)
      await checkSymlink(next, stats, walker)
      const target = await readlink(next)
      if (target.startsWith('/')) resolved = '/'
      pending = [...target.split('/').filter((part) => part !== '' && part !== '.'), ...rest]
      continue
    }
    resolved = next
    if (rest.length > 0) await checkAncestor(resolved, walker)
  }
  return resolved
}

async function lstatOrCreate(path: string, last: boolean, walker: Walker): Promise<PathStats> {
  try {
    return await walker.lstat(path)
  } catch (error) {
    if (!last || errorCode(error) !== 'ENOENT') {
      throw refusal(
        `cannot read ${path} on the way to the workspace root (${errorCode(error)})`,
        walker,
      )
    }
  }
  // The parent passed checkAncestor, so no other user can slip something in here first.
  await mkdir(path, { mode: 0o700 }).catch((error: unknown) => {
    if (errorCode(error) !== 'EEXIST')
      throw refusal(`cannot create the workspace root ${path} (${errorCode(error)})`, walker)
  })
  return walker.lstat(path)
}

/** Like sshd's StrictModes: only root or this user may be able to change what lies below. */
async function checkAncestor(dir: string, walker: Walker): Promise<void> {
  const stats = await walker.lstat(dir)
  if (!stats.isDirectory()) {
    throw refusal(`${dir}, on the way to the workspace root, is not a directory`, walker)
  }
  if (stats.uid !== 0 && stats.uid !== walker.uid) {
    throw refusal(
      `its ancestor ${dir} is owned by uid ${stats.uid}, who could swap what lies below it; every directory above the workspace root must belong to root or to this process (uid ${walker.uid}). Choose a root elsewhere, or \`chown root ${dir}\``,
      walker,
    )
  }
  if ((stats.mode & GROUP_OR_OTHER_WRITE) !== 0 && (stats.mode & STICKY) === 0) {
    throw refusal(
      `its ancestor ${dir} has mode ${octal(stats.mode)}: writable by group or others without the sticky bit, so another user could rename or replace what lies below it. Run \`chmod go-w ${dir}\` (or \`chmod +t ${dir}\` for a shared directory), or choose a root elsewhere`,
      walker,
    )
  }
}

/** As Linux's protected_symlinks: a link another user owns is not followed. */
async function checkSymlink(link: string, stats: PathStats, walker: Walker): Promise<void> {
  if (stats.uid === 0 || stats.uid === walker.uid) return
  throw refusal(
    `the symlink ${link} on the way to the workspace root is owned by uid ${stats.uid}, who could point it anywhere; set ${KEY} to the directory it should lead to`,
    walker,
  )
}

function refusal(problem: string, walker: Walker): ConfigError {
  const unset = walker.isDefault ? ` (${KEY} is unset, so the default is used)` : ''
  return new ConfigError(KEY, [{ path: '', message: `${problem}${unset}` }])
}

function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error)
}
