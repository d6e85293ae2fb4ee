import { type Dirent, lstatSync, readdirSync, realpathSync } from 'node:fs'
import { homedir } from 'node:os'
import { posix } from 'node:path'

/** Host paths never mounted into a sandbox, nor any directory that contains one of them. */
const SENSITIVE_PATHS = [
  '/',
  '/etc',
  '/proc',
  '/sys',
  '/dev',
  '/var/run',
  '/run',
  '/boot',
  '/root',
  '/home',
]
const KNOWN_SOCKETS = [
  '/var/run/docker.sock',
  '/run/docker.sock',
  '/run/containerd/containerd.sock',
]
/** Mount targets must sit under this prefix, away from the image's own paths. */
export const MOUNT_TARGET_PREFIX = '/mnt/'
/** How many entries of a mount source are scanned for sockets before giving up. */
const SOCKET_SCAN_LIMIT = 5_000

/**
 * Why a host path may not be a mount source, or undefined when it may. Symlinks are
 * resolved first, so a link to /etc is judged as /etc.
 */
export function unsafeSourceReason(source: string): string | undefined {
  if (!posix.isAbsolute(source)) return 'expected an absolute host path'
  let real: string
  try {
    real = realpathSync(source)
  } catch {
    return 'no such file or directory on the host'
  }
  const shown = real === source ? '' : ` (resolves to ${real})`
  const sensitive = [...SENSITIVE_PATHS, homedir()].find(
    (path) => real === path || isInside(path, real),
  )
  if (sensitive !== undefined) {
    return `refused: it is or contains the sensitive host path ${sensitive}${shown}`
  }
  const sensitiveParent = SENSITIVE_PATHS.find(
    (path) => path !== '/' && path !== '/home' && isInside(real, path),
  )
  if (sensitiveParent !== undefined) return `refused: it is inside ${sensitiveParent}${shown}`
  const socket = [...KNOWN_SOCKETS, ...dockerHostSocket()].find(
    (path) => real === realOrSelf(path) || isInside(real, realOrSelf(path)),
  )
  if (socket !== undefined) return `refused: it is or contains the engine socket ${socket}${shown}`
  const found = findSocket(real)
  if (found !== undefined)
    return `refused: it contains a socket (${found}), which could reach a host service`
  return undefined
}

/** Why a container path may not be a mount target, or undefined when it may. */
export function unsafeTargetReason(target: string): string | undefined {
  if (!target.startsWith(MOUNT_TARGET_PREFIX))
    return `expected a path under ${MOUNT_TARGET_PREFIX}, such as /mnt/data`
  if (posix.normalize(target) !== target || target.endsWith('/')) {
    return 'expected a normalised path without `..`, `.`, `//` or a trailing slash'
  }
  return undefined
}

/** A configured mount as the placement checks see it. */
export interface MountPlacement {
  readonly source: string
  readonly read_only: boolean
}

/** One refused placement; `path` is relative to `code_execution`, `input` the value there. */
export interface PlacementProblem {
  readonly path: readonly (string | number)[]
  readonly message: string
  readonly input: string
}

/**
 * Sources that are, or lie inside, another mount's writable source: code given the writable
 * mount could replace the inner source with a symlink, which a later grant would bind.
 * Sources that do not resolve are left to `unsafeSourceReason()`.
 */
export function nestedSourceProblems(mounts: readonly MountPlacement[]): PlacementProblem[] {
  const real = mounts.map((entry) => realOrUndefined(entry.source))
  const problems: PlacementProblem[] = []
  mounts.forEach((outer, i) => {
    mounts.forEach((inner, j) => {
      const outerReal = real[i]
      const innerReal = real[j]
      if (i === j || outer.read_only || outerReal === undefined || innerReal === undefined) return
      if (!isWithin(innerReal, outerReal)) return
      // The same directory twice, both writable, is one problem, reported on the later entry.
      if (innerReal === outerReal && !inner.read_only && j < i) return
      const relation = innerReal === outerReal ? 'is the same directory as' : 'lies inside'
      problems.push({
        path: ['mounts', j, 'source'],
        input: inner.source,
        message: `refused: it ${relation} code_execution.mounts[${i}].source (${outerReal}), which is writable, so code could replace it with a symlink between executions; mount each directory once, or set code_execution.mounts[${i}].read_only: true`,
      })
    })
  })
  return problems
}

/**
 * The workspace root must be apart from every mount source: code with a mount over the
 * root could tamper with other executions' workspaces, and a source inside the root is
 * created and removed by the orchestrator. `configured` false means the default root.
 */
export function workspaceRootProblems(
  root: string,
  configured: boolean,
  mounts: readonly MountPlacement[],
): PlacementProblem[] {
  if (!posix.isAbsolute(root)) return []
  const realRoot = resolveExisting(root)
  const problems: PlacementProblem[] = []
  mounts.forEach((entry, index) => {
    const source = realOrUndefined(entry.source)
    if (source === undefined) return
    const key = `code_execution.mounts[${index}].source`
    if (isWithin(realRoot, source)) {
      problems.push(
        configured
          ? {
              path: ['workspace_root'],
              input: root,
              message: `refused: it lies inside ${key} (${source}), so code given that mount could reach other executions' workspaces; choose a workspace root outside every mount source`,
            }
          : {
              path: ['mounts', index, 'source'],
              input: entry.source,
              message: `refused: it contains the default workspace root ${realRoot} (code_execution.workspace_root is unset), so code given this mount could reach other executions' workspaces; mount a narrower directory, or set code_execution.workspace_root outside every mount source`,
            },
      )
    } else if (isWithin(source, realRoot)) {
      const where = configured
        ? `code_execution.workspace_root (${realRoot})`
        : `the default workspace root ${realRoot} (code_execution.workspace_root is unset)`
      problems.push({
        path: ['mounts', index, 'source'],
        input: entry.source,
        message: `refused: it lies inside ${where}, where the orchestrator creates and removes workspaces; mount a directory outside it`,
      })
    }
  })
  return problems
}

/** The real path of an absolute `path`, or undefined when it does not resolve. */
function realOrUndefined(path: string): string | undefined {
  if (!posix.isAbsolute(path)) return undefined
  try {
    return realpathSync(path)
  } catch {
    return undefined
  }
}

/** The real path of the longest existing prefix of `path`, with the rest appended. */
function resolveExisting(path: string): string {
  const real = realOrUndefined(path)
  if (real !== undefined) return real
  const parent = posix.dirname(path)
  return parent === path ? path : posix.join(resolveExisting(parent), posix.basename(path))
}

/** Whether `child` is `parent` or lies below it. */
function isWithin(child: string, parent: string): boolean {
  return child === parent || isInside(child, parent)
}

/** Whether `child` lies strictly below `parent`. */
function isInside(child: string, parent: string): boolean {
  const base = parent.endsWith('/') ? parent : `${parent}/`
  return child !== parent && child.startsWith(base)
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}

function dockerHostSocket(): string[] {
  const host = process.env.DOCKER_HOST
  return host?.startsWith('unix://') ? [host.slice('unix://'.length)] : []
}

/** A bounded breadth-first scan that never follows symlinks. */
function findSocket(root: string): string | undefined {
  if (lstatSync(root).isSocket()) return root
  if (!lstatSync(root).isDirectory()) return undefined
  const pending = [root]
  let seen = 0
  while (pending.length > 0 && seen < SOCKET_SCAN_LIMIT) {
    const dir = pending.shift() as string
    let entries: Dirent[]
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      continue
    }
    for (const entry of entries) {
      seen++
      const path = posix.join(dir, entry.name)
      if (entry.isSocket()) return path
      if (entry.isDirectory()) pending.push(path)
    }
  }
  return undefined
}
