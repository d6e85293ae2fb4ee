import { createHash } from 'node:crypto'
import type { BigIntStats } from 'node:fs'
import { InvalidArgumentError } from '../errors.js'
import type { DirectoryEntry, DirectoryHandle, Owner, RegularFile } from './directory-handle.js'
import { unsafeNameReason } from './file-name.js'

/** A file the caller sends into the workspace. */
export interface InputFile {
  readonly name: string
  readonly content: Uint8Array
}

/** What is kept of an input file to tell afterwards whether the code changed it. */
export interface InputFingerprint {
  readonly size: number
  /** From {@link digest}. */
  readonly digest: string
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
  /**
   * Some created or changed files were left out: more than `caps.files`, past
   * `caps.totalBytes`, deeper than the walk goes, past the walk's entry limit, or with a
   * name that is not UTF-8.
   */
  readonly filesTruncated: boolean
}

export interface WriteInputOptions {
  /** Each file's mode, exactly: the umask does not apply. */
  readonly fileMode: number
  /** Each created directory's mode, exactly. */
  readonly dirMode: number
  /** Given every created file and directory, through its descriptor. Unset, they stay ours. */
  readonly owner?: Owner | undefined
}

/** Directory entries looked at before giving up, so a million empty files cannot stall us. */
const WALK_LIMIT = 20_000
/** Directory levels below the root that are looked into; deeper files are left out. */
const DEPTH_LIMIT = 64
const CHUNK_BYTES = 64 * 1_024

export function digest(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('hex')
}

/**
 * Writes input files into a fresh workspace. The names are sorted, which puts each
 * directory's files together: each directory is made once, and only the chain of
 * directories down to the current file is open, however many files and levels there are.
 */
export async function writeInputFiles(
  root: DirectoryHandle,
  files: readonly InputFile[],
  options: WriteInputOptions,
): Promise<void> {
  const { fileMode, dirMode, owner } = options
  const sorted = [...files].sort((a, b) => compare(a.name, b.name))
  const chain: { readonly name: string; readonly directory: DirectoryHandle }[] = []
  try {
    for (const file of sorted) {
      const reason = unsafeNameReason(file.name)
      if (reason !== undefined) {
        throw new InvalidArgumentError(
          `Invalid input file name ${JSON.stringify(file.name)}: ${reason}`,
        )
      }
      const segments = file.name.split('/')
      const base = segments.pop() as string
      let shared = 0
      while (shared < chain.length && chain[shared]?.name === segments[shared]) shared++
      while (chain.length > shared) await chain.pop()?.directory.close()
      for (let i = shared; i < segments.length; i++) {
        const name = segments[i] as string
        const directory = await (chain.at(-1)?.directory ?? root).makeDirectory(name, dirMode)
        chain.push({ name, directory })
        if (owner !== undefined) await directory.chown(owner.uid, owner.gid)
      }
      await (chain.at(-1)?.directory ?? root).createFile(base, file.content, fileMode, owner)
    }
  } finally {
    for (const { directory } of chain.reverse()) await directory.close().catch(() => undefined)
  }
}

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
    into.sort((a, b) => compare(b.key, a.key))
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

/** Levels whose directory and listing stay open while removing; above them, `..` leads back. */
const REMOVE_WINDOW = 16

/** A directory being emptied, with its listing open from where it stopped. */
interface Level {
  readonly directory: DirectoryHandle
  /**
   * Its name in the level above, whose listing has shown it: it is removed by that name once
   * empty. Undefined when reopened through `..`; the level above then lists afresh instead.
   */
  readonly name: Buffer | undefined
  listing: AsyncGenerator<DirectoryEntry> | undefined
  /** The current listing showed something: the root is listed again until one shows nothing. */
  sawEntries: boolean
}

/**
 * Empties `root` (and leaves it), without recursion, however deep the tree. Only the last
 * {@link REMOVE_WINDOW} levels stay open (a directory and a listing each); a level above
 * them is kept as its device and inode, and going back up to it is through `..`, checked
 * against them: a mismatch (something moved the directory) starts again from the root.
 * Entries are removed by unlink or rmdir, which never follow a symlink, and only real
 * directories are entered, through {@link DirectoryHandle.openDirectory}.
 */
export async function removeTree(root: DirectoryHandle): Promise<void> {
  /** By depth: an open level, or the identity of one closed to bound the descriptors. */
  const levels: (Level | string)[] = [newLevel(root, undefined)]
  try {
    for (;;) {
      const level = levels.at(-1) as Level
      const child = await emptyOrEnter(level)
      if (child !== undefined) await descend(levels, child, root)
      else if (levels.length > 1) await ascend(levels, root)
      else if (!level.sawEntries) return
    }
  } finally {
    for (const level of levels) {
      if (typeof level === 'object') await closeLevel(level, root).catch(() => undefined)
    }
  }
}

/** Goes down a level, closing the one that falls out of the window (keeping its identity). */
async function descend(
  levels: (Level | string)[],
  child: Level,
  root: DirectoryHandle,
): Promise<void> {
  levels.push(child)
  const index = levels.length - 1 - REMOVE_WINDOW
  const oldest = levels[index]
  if (typeof oldest === 'object' && oldest.directory !== root) {
    levels[index] = identityOf(await oldest.directory.stat())
    await closeLevel(oldest, root)
  }
}

/** Goes up from an emptied level, and sees that its directory is removed. */
async function ascend(levels: (Level | string)[], root: DirectoryHandle): Promise<void> {
  const level = levels.pop() as Level
  const above = levels.at(-1) as Level | string
  let parent: Level | undefined
  try {
    // Before the level is closed: `..` is reached through it.
    parent = typeof above === 'string' ? await reopenParent(level, above) : above
  } finally {
    await closeLevel(level, root)
  }
  if (parent === undefined) {
    for (const open of levels.splice(1)) {
      if (typeof open === 'object') await closeLevel(open, root)
    }
    return
  }
  levels[levels.length - 1] = parent
  if (parent !== above || level.name === undefined) {
    // A fresh listing of the level above comes to the emptied directory and removes it.
    await restartListing(parent)
    return
  }
  // The listing above already showed the directory: remove it now, or empty it again.
  const again = await removeEntry(parent.directory, { name: level.name, kind: 'directory' })
  if (again !== undefined) levels.push(newLevel(again, level.name))
}

function newLevel(directory: DirectoryHandle, name: Buffer | undefined): Level {
  return { directory, name, listing: undefined, sawEntries: false }
}

async function restartListing(level: Level): Promise<void> {
  const listing = level.listing
  level.listing = undefined
  await listing?.return(undefined)
}

async function closeLevel(level: Level, root: DirectoryHandle): Promise<void> {
  await restartListing(level)
  if (level.directory !== root) await level.directory.close()
}

/** The parent through `..` when it is the directory recorded on the way down, else undefined. */
async function reopenParent(level: Level, identity: string): Promise<Level | undefined> {
  const parent = await level.directory.openParent().catch(() => undefined)
  if (parent === undefined) return undefined
  const same = await parent.stat().then(
    (stats) => identityOf(stats) === identity,
    () => false,
  )
  if (same) return newLevel(parent, undefined)
  await parent.close()
  return undefined
}

/**
 * Goes on with the level's listing, removing what it shows, until a subdirectory that is
 * not empty turns up (returned, open, to be emptied first) or the listing ends (undefined).
 */
async function emptyOrEnter(level: Level): Promise<Level | undefined> {
  if (level.listing === undefined) {
    level.listing = level.directory.entries()
    level.sawEntries = false
  }
  for (;;) {
    const next = await level.listing.next()
    if (next.done === true) {
      level.listing = undefined
      return undefined
    }
    level.sawEntries = true
    const child = await removeEntry(level.directory, next.value)
    if (child !== undefined) return newLevel(child, next.value.name)
  }
}

/**
 * Removes one entry, or opens it when it is a directory that is not empty. The listing's
 * kind only picks the call to try first: neither unlink nor rmdir follows a symlink.
 */
async function removeEntry(
  directory: DirectoryHandle,
  entry: DirectoryEntry,
): Promise<DirectoryHandle | undefined> {
  if (entry.kind !== 'directory') {
    try {
      await directory.remove(entry.name)
      return undefined
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return undefined
      if (codeOf(error) !== 'EISDIR') throw error
    }
  }
  try {
    await directory.removeDirectory(entry.name)
    return undefined
  } catch (error) {
    const code = codeOf(error)
    if (code === 'ENOENT') return undefined
    if (code === 'ENOTDIR') return unlinkChanged(directory, entry.name)
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error
  }
  try {
    return await directory.openDirectory(entry.name)
  } catch (error) {
    // Changed since: the next listing of this directory (or the rmdir above it) sees it again.
    if (['ENOENT', 'ENOTDIR', 'ELOOP'].includes(codeOf(error) ?? '')) return undefined
    throw error
  }
}

/** Listed as a directory, but it is not one (any more): unlink it, unless it changed again. */
async function unlinkChanged(directory: DirectoryHandle, name: Buffer): Promise<undefined> {
  try {
    await directory.remove(name)
  } catch (error) {
    if (!['ENOENT', 'EISDIR'].includes(codeOf(error) ?? '')) throw error
  }
  return undefined
}

function identityOf(stats: BigIntStats): string {
  return `${stats.dev}:${stats.ino}`
}

function codeOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code
}

/** By UTF-16 code units, as `.sort()` orders strings. */
function compare(a: string, b: string): number {
  if (a === b) return 0
  return a < b ? -1 : 1
}
