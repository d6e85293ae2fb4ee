import { createHash } from 'node:crypto'
import type { DirectoryEntry, DirectoryHandle, RegularFile } from './directory-handle.js'
import {
  type CollectedFiles,
  compareNames,
  type InputFingerprint,
  type OutputCaps,
  type OutputFile,
} from './workspace-files.js'

/** Directory entries looked at before giving up, so a million empty files cannot stall us. */
const WALK_LIMIT = 20_000
/** Directory levels below the root that are looked into; deeper files are left out. */
const DEPTH_LIMIT = 64
const CHUNK_BYTES = 64 * 1_024

/**
 * Reads back the regular files that are new or changed, in name order. Opens only
 * directories and regular files, never through a symlink; reads at most the bytes it
 * returns, except that a file the size of an input is hashed whole to see if it changed.
 * Throws `signal.reason` when the signal aborts between two files.
 */
export async function collectOutputFiles(
  root: DirectoryHandle,
  inputs: ReadonlyMap<string, InputFingerprint>,
  caps: OutputCaps,
  signal?: AbortSignal,
): Promise<CollectedFiles> {
  signal?.throwIfAborted()
  const files: OutputFile[] = []
  const walk = { truncated: false }
  let total = 0
  for await (const found of walkFiles(root, walk)) {
    signal?.throwIfAborted()
    // Once the count is reached, a changed file is only counted, so its content is not read.
    const room = files.length < caps.files ? caps.totalBytes - total : 0
    const read = await readIfChanged(
      found,
      inputs.get(found.name),
      Math.max(0, Math.min(caps.fileBytes, room)),
    ).catch(() => undefined)
    if (read === undefined) continue
    if (files.length >= caps.files) {
      walk.truncated = true
      break
    }
    if (read.content.length === 0 && read.size > 0 && total >= caps.totalBytes) {
      walk.truncated = true
      continue
    }
    total += read.content.length
    files.push({
      name: found.name,
      size: read.size,
      contentBase64: read.content.toString('base64'),
      truncated: read.content.length < read.size,
    })
  }
  return { files, filesTruncated: walk.truncated }
}

interface FoundFile {
  /** Relative to the root, with `/` separators. */
  readonly name: string
  readonly directory: DirectoryHandle
  readonly entry: Buffer
}

interface Listed {
  readonly entry: DirectoryEntry
  readonly text: string
  /** Sorting directories by `name/` makes the depth-first walk yield full names in sorted order. */
  readonly key: string
}

interface Frame {
  readonly directory: DirectoryHandle
  /** `a/b/` inside the directory a/b; empty at the root. */
  readonly prefix: string
  /** Entries still to visit, last first. */
  readonly pending: Listed[]
}

/**
 * Depth-first, without recursion, entries sorted so full names come out as `.sort()` would
 * order them. At most one open handle per level, and at most {@link DEPTH_LIMIT} levels.
 */
async function* walkFiles(
  root: DirectoryHandle,
  walk: { truncated: boolean },
): AsyncGenerator<FoundFile> {
  let budget = WALK_LIMIT
  const list = async (directory: DirectoryHandle, into: Listed[]): Promise<void> => {
    for await (const entry of directory.entries()) {
      if (budget === 0) {
        walk.truncated = true
        break
      }
      budget--
      if (entry.kind !== 'file' && entry.kind !== 'directory') continue
      const text = entry.name.toString()
      if (!Buffer.from(text).equals(entry.name)) {
        walk.truncated = true
        continue
      }
      into.push({ entry, text, key: entry.kind === 'directory' ? `${text}/` : text })
    }
    into.sort((a, b) => compareNames(b.key, a.key))
  }
  const stack: Frame[] = [{ directory: root, prefix: '', pending: [] }]
  try {
    await list(root, (stack[0] as Frame).pending)
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as Frame
      const next = frame.pending.pop()
      if (next === undefined) {
        stack.pop()
        if (frame.directory !== root) await frame.directory.close()
      } else if (next.entry.kind === 'file') {
        yield { name: frame.prefix + next.text, directory: frame.directory, entry: next.entry.name }
      } else if (stack.length > DEPTH_LIMIT) {
        walk.truncated = true
      } else {
        const child = await frame.directory.openDirectory(next.entry.name).catch(() => undefined)
        if (child === undefined) continue
        const pending: Listed[] = []
        stack.push({ directory: child, prefix: `${frame.prefix}${next.text}/`, pending })
        await list(child, pending).catch(() => undefined)
      }
    }
  } finally {
    for (const { directory } of stack) {
      if (directory !== root) await directory.close().catch(() => undefined)
    }
  }
}

interface ReadFile {
  readonly size: number
  readonly content: Buffer
}

/** Undefined when the entry is not a regular file, or is an input with its size and digest. */
async function readIfChanged(
  found: FoundFile,
  input: InputFingerprint | undefined,
  limit: number,
): Promise<ReadFile | undefined> {
  const file = await found.directory.openRegularFile(found.entry)
  if (file === undefined) return undefined
  try {
    if (input === undefined || input.size !== file.size) {
      return { size: file.size, content: await readPrefix(file, Math.min(limit, file.size)) }
    }
    const whole = await hashWhole(file, input.size, limit)
    return whole.digest === input.digest ? undefined : { size: file.size, content: whole.kept }
  } finally {
    await file.close()
  }
}

async function readPrefix(file: RegularFile, length: number): Promise<Buffer> {
  const content = Buffer.alloc(length)
  let filled = 0
  while (filled < length) {
    const bytesRead = await file.read(content.subarray(filled), filled)
    if (bytesRead === 0) break
    filled += bytesRead
  }
  return content.subarray(0, filled)
}

/**
 * Hashes the file, reading at most one chunk past `size` (a file that grew is changed, and
 * is not read on), and keeps its first `keep` bytes in case it turns out changed.
 */
async function hashWhole(
  file: RegularFile,
  size: number,
  keep: number,
): Promise<{ digest: string; kept: Buffer }> {
  const hash = createHash('sha256')
  const kept = Buffer.alloc(Math.min(keep, size))
  const chunk = Buffer.alloc(Math.min(CHUNK_BYTES, size + 1))
  let position = 0
  while (position <= size) {
    const bytesRead = await file.read(chunk, position)
    if (bytesRead === 0) break
    const piece = chunk.subarray(0, bytesRead)
    hash.update(piece)
    if (position < kept.length) piece.copy(kept, position, 0, kept.length - position)
    position += bytesRead
  }
  return { digest: hash.digest('hex'), kept: kept.subarray(0, Math.min(position, kept.length)) }
}
