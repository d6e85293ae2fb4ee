import { constants } from 'node:fs'
import { lstat, mkdir, open } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { InvalidArgumentError } from '../errors.js'
import { unsafeNameReason } from '../workspace/file-name.js'
import type { OutputFile } from '../workspace/workspace-files.js'

/**
 * Writes returned files under `dir`. Their names come from untrusted code, so each is checked
 * again, and no write follows a symlink, whether in the final name or a directory on the way.
 */
export async function writeOutputFiles(
  dir: string,
  files: readonly OutputFile[],
): Promise<string[]> {
  await mkdir(dir, { recursive: true })
  const written: string[] = []
  for (const file of files) {
    const reason = unsafeNameReason(file.name)
    if (reason !== undefined)
      throw new InvalidArgumentError(
        `Refusing returned file ${JSON.stringify(file.name)}: ${reason}`,
      )
    const path = join(dir, file.name)
    await makeDirsWithoutSymlinks(dir, dirname(file.name))
    const handle = await open(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
      0o644,
    )
    try {
      await handle.writeFile(Buffer.from(file.contentBase64, 'base64'))
    } finally {
      await handle.close()
    }
    written.push(path)
  }
  return written
}

async function makeDirsWithoutSymlinks(root: string, relative: string): Promise<void> {
  if (relative === '.') return
  let current = root
  for (const segment of relative.split('/')) {
    current = join(current, segment)
    const stat = await lstat(current).catch(() => undefined)
    if (stat === undefined) await mkdir(current)
    else if (!stat.isDirectory())
      throw new InvalidArgumentError(`Refusing to write through ${current}: not a directory`)
  }
}
