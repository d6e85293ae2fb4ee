import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * Mounts a size-limited tmpfs on `dir`, owned by the sandbox user. Needs root (CAP_SYS_ADMIN);
 * returns false when the mount is not possible, so the caller can fall back to a plain dir.
 */
export async function mountTmpfs(
  dir: string,
  sizeMb: number,
  uid: number,
  gid: number,
): Promise<boolean> {
  if (process.getuid?.() !== 0) return false
  const options = `size=${sizeMb}m,mode=0700,uid=${uid},gid=${gid},nosuid,nodev,noexec`
  try {
    await run('mount', ['-t', 'tmpfs', '-o', options, 'tinyagent-workspace', dir])
    return true
  } catch {
    return false
  }
}

/** Unmounts `dir`, lazily if something still holds it. */
export async function unmount(dir: string): Promise<void> {
  try {
    await run('umount', [dir])
  } catch {
    await run('umount', ['-l', dir])
  }
}
