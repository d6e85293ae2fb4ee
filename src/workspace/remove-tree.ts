import type { BigIntStats } from 'node:fs'
import type { DirectoryEntry, DirectoryHandle } from './directory-handle.js'

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
