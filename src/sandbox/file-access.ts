import { type BigIntStats, constants, lstatSync, realpathSync } from 'node:fs'
import {
  nestedSourceProblems,
  unsafeSourceReason,
  unsafeTargetReason,
} from '../config/mount-safety.js'
import type { CodeExecutionConfig } from '../config/schema.js'
import type { FileAccessGrant } from '../engine/container-spec.js'
import { ConfigError } from '../errors.js'

/** Which file a path named when it was checked: device, inode and file type. */
export interface FileIdentity {
  readonly dev: bigint
  readonly ino: bigint
  /** `mode & S_IFMT`: a directory stays a directory. */
  readonly type: number
}

/** A mount whose source was resolved and checked once; only its `source` is ever bound. */
export interface VerifiedMount {
  /** `code_execution.mounts[i].source`, for messages. */
  readonly key: string
  /** The resolved source: no symlink in any component. */
  readonly source: string
  readonly identity: FileIdentity
  readonly target: string
  readonly readOnly: boolean
}

/** The seed: `file_operations` grants file access, and `allow_dangerous_operations` grants everything. */
export function fileAccessEffective(settings: CodeExecutionConfig): boolean {
  return settings.allow_dangerous_operations || settings.allowed_operations.file_operations
}

/**
 * Resolves and checks every mount source once, at start-up, and records which file each
 * one is, so that `grantFileAccess()` can refuse a source swapped since (a directory
 * replaced by a symlink, or removed and made again). The identity is read before and
 * after the checks, so the checks are known to have judged the recorded directory.
 */
export function verifiedMountSources(settings: CodeExecutionConfig): VerifiedMount[] {
  const nested = nestedSourceProblems(settings.mounts)[0]
  if (nested !== undefined) {
    throw mountError(`code_execution.mounts[${nested.path[1]}].source`, nested.message)
  }
  return settings.mounts.map((mount, index) => {
    const key = `code_execution.mounts[${index}].source`
    const target = unsafeTargetReason(mount.target)
    if (target !== undefined) throw mountError(`code_execution.mounts[${index}].target`, target)
    let source: string
    let before: FileIdentity
    try {
      source = realpathSync(mount.source)
      before = identityOf(source)
    } catch (error) {
      throw mountError(key, `cannot resolve ${mount.source} (${errorCode(error)})`)
    }
    const reason = unsafeSourceReason(source)
    if (reason !== undefined) throw mountError(key, reason)
    const changed = identityChange(source, before)
    if (changed !== undefined)
      throw mountError(key, `${source} changed while it was checked: ${changed}`)
    return { key, source, identity: before, target: mount.target, readOnly: mount.read_only }
  })
}

/**
 * The only way to obtain a FileAccessGrant, and so the only way a container gets a mount:
 * undefined unless file operations are effective. Each source must still be the file
 * `verifiedMountSources()` recorded, reached without any symlink; the recorded path is
 * bound, never the configured one.
 */
export function grantFileAccess(
  settings: CodeExecutionConfig,
  mounts: readonly VerifiedMount[],
  workspaceDir: string,
): FileAccessGrant | undefined {
  if (!fileAccessEffective(settings)) return undefined
  const granted = mounts.map((mount) => {
    if (unsafeTargetReason(mount.target) !== undefined)
      throw new Error(`unsafe mount target ${mount.target}`)
    const changed = identityChange(mount.source, mount.identity)
    if (changed !== undefined) {
      throw mountError(
        mount.key,
        `${mount.source} has changed since start-up (${changed}), so it is not what was checked and the execution is refused; restart the orchestrator to check it again`,
      )
    }
    return { source: mount.source, target: mount.target, readOnly: mount.readOnly }
  })
  return { workspaceDir, mounts: granted }
}

/** How `path` differs from `recorded`, or undefined when it is the same file, symlink-free. */
function identityChange(path: string, recorded: FileIdentity): string | undefined {
  let now: FileIdentity
  let real: string
  try {
    now = identityOf(path)
    real = realpathSync(path)
  } catch (error) {
    return `it is gone: ${errorCode(error)}`
  }
  if (now.type === constants.S_IFLNK) return 'it is a symlink now'
  if (real !== path) return `a directory above it is a symlink now; it resolves to ${real}`
  if (now.type !== recorded.type) return 'it is another type of file now'
  if (now.dev !== recorded.dev || now.ino !== recorded.ino)
    return 'it is another file now: removed and made again, or replaced'
  return undefined
}

function identityOf(path: string): FileIdentity {
  const stats: BigIntStats = lstatSync(path, { bigint: true })
  return { dev: stats.dev, ino: stats.ino, type: Number(stats.mode) & constants.S_IFMT }
}

function mountError(key: string, message: string): ConfigError {
  return new ConfigError(key, [{ path: '', message }])
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error)
}
