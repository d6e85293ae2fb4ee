import { lstat, mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { InvalidArgumentError } from '../errors.js'
import { DirectoryHandle } from '../workspace/directory-handle.js'
import { unsafeNameReason } from '../workspace/file-name.js'
import type { OutputFile } from '../workspace/workspace-files.js'

export interface OutputFileOptions {
  /**
   * Write into a directory that already holds entries (`--into-existing`). A returned name
   * that already exists there is still refused, never replaced.
   * @default false
   */
  readonly intoExisting?: boolean
  /**
   * Write names with a segment starting with `.`, such as `.git/config`, `.bashrc` or
   * `a/.hidden` (`--allow-dot-files`).
   * @default false
   */
  readonly allowDotFiles?: boolean
}

/** Directories opened so far, by path relative to the output directory (`''` is itself). */
type OpenDirectories = Map<string, DirectoryHandle>

/**
 * Writes returned files under `dir`, creating it (and its parents) when missing. The names
 * come from untrusted code, so nothing is ever replaced or followed: each directory on the
 * way is made or opened one name at a time from its parent's descriptor, never through a
 * symlink, and each file is created exclusively with mode 0o644 (less the umask). Every
 * name, and every entry it would meet, is checked before the first write, so a refusal writes
 * nothing; a write that fails midway removes the files and directories this call created.
 */
export async function writeOutputFiles(
  dir: string,
  files: readonly OutputFile[],
  options: OutputFileOptions = {},
): Promise<string[]> {
  checkNames(
    files.map((file) => file.name),
    options,
  )
  const root = await openOutputDir(dir, options)
  const open: OpenDirectories = new Map([['', root]])
  try {
    for (const file of files) await refuseExisting(dir, open, file.name)
    await writeAll(open, files)
  } finally {
    await Promise.all([...open.values()].map((directory) => directory.close()))
  }
  return files.map((file) => join(dir, file.name))
}

/**
 * What can be said about `dir` before there are files to write: it is not a symlink or a
 * file, and it is empty unless `intoExisting`. Run before the code, so a bad `--out` wastes
 * no execution; `writeOutputFiles` checks it all again.
 */
export async function checkOutputDir(dir: string, options: OutputFileOptions = {}): Promise<void> {
  const root = await openExistingDir(dir)
  if (root === undefined) return
  try {
    await refuseNonEmpty(dir, root, options)
  } finally {
    await root.close()
  }
}

function checkNames(names: readonly string[], options: OutputFileOptions): void {
  const seen = new Set<string>()
  for (const name of names) {
    const reason = unsafeNameReason(name)
    if (reason !== undefined) throw refusal(name, reason)
    const dotted = name.split('/').find((segment) => segment.startsWith('.'))
    if (dotted !== undefined && options.allowDotFiles !== true)
      throw refusal(
        name,
        `${JSON.stringify(dotted)} starts with \`.\`; pass \`--allow-dot-files\` to write dot files`,
      )
    if (seen.has(name)) throw refusal(name, 'the name comes twice')
    seen.add(name)
  }
  for (const name of names) {
    const segments = name.split('/')
    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join('/')
      if (seen.has(parent)) throw refusal(name, `${JSON.stringify(parent)} comes as a file too`)
    }
  }
}

/** `dir` opened without following it, or undefined when there is nothing at that path. */
async function openExistingDir(dir: string): Promise<DirectoryHandle | undefined> {
  try {
    return await openDir(dir)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    if (code === 'ENOTDIR' || code === 'ELOOP') {
      // O_NOFOLLOW reports a symlink as ENOTDIR too; lstat tells them apart for the message.
      const entry = await lstat(resolve(dir)).catch(() => undefined)
      const what =
        entry === undefined
          ? 'a part of its path is not a directory'
          : entry.isSymbolicLink()
            ? 'it is a symlink, and --out never follows one'
            : 'it is not a directory'
      throw new InvalidArgumentError(
        `Refusing to write into ${dir}: ${what}. Give a new or empty directory.`,
      )
    }
    throw error
  }
}

/**
 * Opens `dir`, refusing (ENOTDIR or ELOOP) when it is itself a symlink, and checks that its
 * descriptor can be reached through /proc, which every step after this one depends on.
 */
async function openDir(dir: string): Promise<DirectoryHandle> {
  const directory = await DirectoryHandle.open(dir)
  try {
    await isEmpty(directory)
  } catch (error) {
    await directory.close()
    throw new InvalidArgumentError(
      `Cannot use ${dir} without following symlinks: /proc/self/fd is not available (${(error as Error).message}). Writing returned files needs Linux with /proc mounted.`,
    )
  }
  return directory
}

async function openOutputDir(dir: string, options: OutputFileOptions): Promise<DirectoryHandle> {
  let root = await openExistingDir(dir)
  if (root === undefined) {
    await mkdir(resolve(dir), { recursive: true, mode: 0o755 })
    root = await openDir(dir)
  }
  try {
    await refuseNonEmpty(dir, root, options)
  } catch (error) {
    await root.close()
    throw error
  }
  return root
}

async function refuseNonEmpty(
  dir: string,
  root: DirectoryHandle,
  options: OutputFileOptions,
): Promise<void> {
  if (options.intoExisting !== true && !(await isEmpty(root)))
    throw new InvalidArgumentError(
      `Refusing to write into ${dir}: it is not empty. Pass \`--into-existing\` to add the returned files to it (existing files are still never replaced), or give a new or empty directory.`,
    )
}

async function isEmpty(directory: DirectoryHandle): Promise<boolean> {
  for await (const _ of directory.entries()) return false
  return true
}

/** Refuses `name` when it, or a directory on its way, meets an entry that is already there. */
async function refuseExisting(dir: string, open: OpenDirectories, name: string): Promise<void> {
  const segments = name.split('/')
  const base = segments.pop() as string
  let parent = open.get('') as DirectoryHandle
  let path = ''
  for (const segment of segments) {
    path = path === '' ? segment : `${path}/${segment}`
    const kind = await parent.entryKind(segment)
    if (kind === undefined) return
    if (kind === 'symlink')
      throw refusal(name, `${join(dir, path)} is a symlink, and --out never writes through one`)
    if (kind !== 'directory') throw refusal(name, `${join(dir, path)} is not a directory`)
    parent = await openChild(open, parent, path, segment)
  }
  if ((await parent.entryKind(base)) !== undefined)
    throw refusal(
      name,
      `${join(dir, name)} already exists, and --out never replaces a file; remove it or give a new or empty directory`,
    )
}

/** What this call made, in order, so a failure can take it back. */
interface Created {
  readonly parent: DirectoryHandle
  readonly name: string
  readonly isDirectory: boolean
}

async function writeAll(open: OpenDirectories, files: readonly OutputFile[]): Promise<void> {
  const created: Created[] = []
  try {
    for (const file of files) {
      const segments = file.name.split('/')
      const base = segments.pop() as string
      let parent = open.get('') as DirectoryHandle
      let path = ''
      for (const segment of segments) {
        path = path === '' ? segment : `${path}/${segment}`
        if (!open.has(path) && (await makeDirectory(parent, segment)))
          created.push({ parent, name: segment, isDirectory: true })
        parent = await openChild(open, parent, path, segment)
      }
      await parent.createFile(base, Buffer.from(file.contentBase64, 'base64'), 0o644, {
        applyUmask: true,
      })
      created.push({ parent, name: base, isDirectory: false })
    }
  } catch (error) {
    // Best effort: what is left was changed by someone else meanwhile, and is not ours.
    for (const entry of created.reverse()) {
      const remove = entry.isDirectory
        ? entry.parent.removeDirectory(entry.name)
        : entry.parent.remove(entry.name)
      await remove.catch(() => undefined)
    }
    throw error
  }
}

/** Makes `name` in `parent`; false when something is already there (opening it decides). */
async function makeDirectory(parent: DirectoryHandle, name: string): Promise<boolean> {
  try {
    await parent.createDirectory(name, 0o755)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
}

async function openChild(
  open: OpenDirectories,
  parent: DirectoryHandle,
  path: string,
  name: string,
): Promise<DirectoryHandle> {
  const known = open.get(path)
  if (known !== undefined) return known
  const child = await parent.openDirectory(name)
  open.set(path, child)
  return child
}

function refusal(name: string, reason: string): InvalidArgumentError {
  return new InvalidArgumentError(`Refusing returned file ${JSON.stringify(name)}: ${reason}`)
}
