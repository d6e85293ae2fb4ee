import { realpathSync } from 'node:fs'
import { unsafeTargetReason } from '../config/mount-safety.js'
import type { CodeExecutionConfig } from '../config/schema.js'
import type { FileAccessGrant } from '../engine/container-spec.js'

/** The seed: `file_operations` grants file access, and `allow_dangerous_operations` grants everything. */
export function fileAccessEffective(settings: CodeExecutionConfig): boolean {
  return settings.allow_dangerous_operations || settings.allowed_operations.file_operations
}

/**
 * The only way to obtain a FileAccessGrant, and so the only way a container gets a mount:
 * undefined unless file operations are effective. Mount sources are resolved again here, so
 * a symlink swapped after the config was checked cannot redirect the bind.
 */
export function grantFileAccess(
  settings: CodeExecutionConfig,
  workspaceDir: string,
): FileAccessGrant | undefined {
  if (!fileAccessEffective(settings)) return undefined
  const mounts = settings.mounts.map((mount) => {
    if (unsafeTargetReason(mount.target) !== undefined)
      throw new Error(`unsafe mount target ${mount.target}`)
    return { source: realpathSync(mount.source), target: mount.target, readOnly: mount.read_only }
  })
  return { workspaceDir, mounts }
}
