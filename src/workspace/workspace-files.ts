import { createHash } from 'node:crypto'
import { constants, type Dirent } from 'node:fs'
import { mkdir, open, readdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'

/** A file the caller sends into the workspace. */
export interface InputFile {
  readonly name: string
  readonly content: Uint8Array
}

/** A workspace file that the code created or changed, as returned in the result. */
export interface OutputFile {
  /** Relative to /workspace, with `/` separators. */
  readonly name: string
  /** The file's full size in bytes. */
  readonly size: number
  /** The content (possibly cut), base64-encoded. */
  readonly contentBase64: string
  /** True when `contentBase64` holds less than `size` bytes. */
  readonly truncated: boolean
}

export interface OutputCaps {
  readonly fileBytes: number
  readonly totalBytes: number
  readonly files: number
}

export interface CollectedFiles {
  readonly files: OutputFile[]
  /** Some created or changed files were left out: more than `caps.files`, or past `caps.totalBytes`. */
  readonly filesTruncated: boolean
}

/** Directory entries looked at before giving up, so a million empty files cannot stall us. */
const WALK_LIMIT = 20_000

export function digest(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('hex')
}

/** Writes input files (names already validated) into a fresh workspace that nothing else has touched. */
export async function writeInputFiles(
  root: string,
  files: readonly InputFile[],
  mode: number,
): Promise<void> {
  for (const file of files) {
    const path = join(root, file.name)
    await mkdir(dirname(path), { recursive: true, mode: 0o777 })
    await writeFile(path, file.content, { flag: 'wx', mode })
  }
}

/**
 * Reads back the regular files that are new or changed, after the container has stopped.
 * Never follows a symlink and never opens anything but a regular file (a FIFO would block,
 * a symlink could point at a host path).
 */
export async function collectOutputFiles(
  root: string,
  inputs: ReadonlyMap<string, string>,
  caps: OutputCaps,
): Promise<CollectedFiles> {
  const names = (await listRegularFiles(root)).sort()
  const files: OutputFile[] = []
  let total = 0
  let filesTruncated = false
  for (const name of names) {
    const read = await readRegularFile(
      join(root, name),
      Math.min(caps.fileBytes, caps.totalBytes - total),
    )
    if (read === undefined) continue
    if (inputs.get(name) === read.digest) continue
    if (
      files.length >= caps.files ||
      (read.content.length === 0 && read.size > 0 && total >= caps.totalBytes)
    ) {
      filesTruncated = true
      continue
    }
    total += read.content.length
    files.push({
      name,
      size: read.size,
      contentBase64: read.content.toString('base64'),
      truncated: read.content.length < read.size,
    })
  }
  return { files, filesTruncated }
}

async function listRegularFiles(root: string): Promise<string[]> {
  const found: string[] = []
  const pending = ['']
  let seen = 0
  while (pending.length > 0 && seen < WALK_LIMIT) {
    const relative = pending.pop() as string
    let entries: Dirent[]
    try {
      entries = await readdir(join(root, relative), { withFileTypes: true })
    } catch {
      continue
    }
    for (const entry of entries) {
      seen++
      const name = relative === '' ? entry.name : `${relative}/${entry.name}`
      if (entry.isDirectory()) pending.push(name)
      else if (entry.isFile()) found.push(name)
    }
  }
  return found
}

interface ReadFile {
  readonly size: number
  readonly content: Buffer
  /** Of the whole file, to tell unchanged inputs apart. */
  readonly digest: string
}

async function readRegularFile(path: string, limit: number): Promise<ReadFile | undefined> {
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  } catch {
    return undefined
  }
  try {
    const stat = await handle.stat()
    if (!stat.isFile()) return undefined
    const hash = createHash('sha256')
    const kept: Buffer[] = []
    let keptBytes = 0
    const chunk = Buffer.alloc(64 * 1_024)
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null)
      if (bytesRead === 0) break
      const piece = chunk.subarray(0, bytesRead)
      hash.update(piece)
      if (keptBytes < limit) {
        const take = piece.subarray(0, Math.max(0, limit - keptBytes))
        kept.push(Buffer.from(take))
        keptBytes += take.length
      }
    }
    return { size: stat.size, content: Buffer.concat(kept, keptBytes), digest: hash.digest('hex') }
  } finally {
    await handle.close()
  }
}
