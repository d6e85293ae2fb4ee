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
