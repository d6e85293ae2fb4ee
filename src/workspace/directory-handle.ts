import { type BigIntStats, constants, type Dirent, type Stats } from 'node:fs'
import { type FileHandle, lstat, mkdir, open, opendir, rmdir, unlink } from 'node:fs/promises'
import { resolve } from 'node:path'
import { InvalidArgumentError } from '../errors.js'

/** A uid:gid pair to give created files and directories. */
export interface Owner {
  readonly uid: number
  readonly gid: number
}

/** What an entry is, as a listing or `entryKind` saw it: a hint only, as it may change. */
export type EntryKind = 'directory' | 'file' | 'symlink' | 'other'

export interface CreateFileOptions {
  /** Given the file through its descriptor. Unset, it stays ours. */
  readonly owner?: Owner | undefined
  /**
   * Leave the mode to open(2), which takes the umask's bits from `mode`, rather than set
   * `mode` exactly: for files written for the user, whose umask says who may read them.
   * @default false
   */
  readonly applyUmask?: boolean
}

export interface DirectoryEntry {
  /** The name's exact bytes: a name on disk need not be valid UTF-8. */
  readonly name: Buffer
  readonly kind: EntryKind
}

/** A regular file opened for reading, with its size when it was opened. */
export interface RegularFile {
  readonly size: number
  /** Reads up to `buffer.length` bytes at `position`; 0 at the end of the file. */
  read(buffer: Uint8Array, position: number): Promise<number>
  close(): Promise<void>
}

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY } =
  constants
const DIRECTORY_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW
const SLASH = 0x2f
const NUL = 0x00

/**
 * One open directory, and every operation on its entries made relative to that descriptor.
 *
 * Node has no openat(2), so each call goes through `/proc/self/fd/<fd>/<name>`: the magic
 * link jumps to the directory this descriptor holds, whatever its path has become, and
 * `name` is one component, opened with O_NOFOLLOW (mkdir, unlink and rmdir never follow
 * the last component). So no symlink is followed at any step, even in a tree that hostile
 * code can still change: the workspace, where anything may be a symlink to a host path.
 */
export class DirectoryHandle {
  readonly #handle: FileHandle

  protected constructor(handle: FileHandle) {
    this.#handle = handle
  }

  /**
   * Opens a directory whose path the caller chose (the workspace root, an output directory).
   * Only the last component is refused when it is a symlink: the rest of `path` is the
   * caller's. The path is normalised first, since a trailing `/` or `/.` would make the
   * kernel follow a final symlink despite O_NOFOLLOW.
   */
  static async open(path: string): Promise<DirectoryHandle> {
    return new DirectoryHandle(await open(resolve(path), DIRECTORY_FLAGS))
  }

  /** Opens a subdirectory; ENOTDIR or ELOOP when `name` is anything else, a symlink included. */
  async openDirectory(name: string | Buffer): Promise<DirectoryHandle> {
    return new DirectoryHandle(await open(this.#pathOf(name), DIRECTORY_FLAGS))
  }

  /**
   * Opens the parent through `..`, which the kernel resolves from the directory itself and
   * which is never a symlink. The directory may have been moved since it was entered, so
   * callers compare the parent's `stat()` with the one they expect before trusting it.
   */
  async openParent(): Promise<DirectoryHandle> {
    return new DirectoryHandle(await open(`${this.#base()}/..`, DIRECTORY_FLAGS))
  }

  /**
   * Creates a subdirectory with exactly `mode` (whatever the umask) and opens it. When the
   * name exists, opens it only if it is a real directory, else throws the EEXIST.
   */
  async makeDirectory(name: string | Buffer, mode: number): Promise<DirectoryHandle> {
    const path = this.#pathOf(name)
    try {
      await mkdir(path, mode)
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error
      try {
        return await this.openDirectory(name)
      } catch {
        throw error
      }
    }
    // Opened by name again: between the two calls, only a directory with O_NOFOLLOW will do.
    const directory = new DirectoryHandle(await open(path, DIRECTORY_FLAGS))
    await directory.#handle.chmod(mode).catch(closeAndRethrow(directory))
    return directory
  }

  /**
   * Creates a subdirectory with `mode` less the umask, as mkdir(2) does; EEXIST when anything,
   * a symlink included, is already there. Unlike {@link makeDirectory} it neither opens the
   * directory nor accepts an existing one, so the caller knows which directories it made.
   */
  async createDirectory(name: string | Buffer, mode: number): Promise<void> {
    await mkdir(this.#pathOf(name), mode)
  }

  /**
   * Creates a file that must not exist yet (a symlink counts as existing), writes `content`,
   * and gives it `options.owner` (when given) and exactly `mode` (unless
   * `options.applyUmask`), all through the new descriptor. A file it created but could not
   * finish is removed before the error is rethrown, so a failure leaves nothing half-written.
   */
  async createFile(
    name: string | Buffer,
    content: Uint8Array,
    mode: number,
    options: CreateFileOptions = {},
  ): Promise<void> {
    const { owner, applyUmask = false } = options
    const path = this.#pathOf(name)
    const file = await open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode)
    try {
      await file.writeFile(content)
      // chown before chmod: a chown may clear set-id bits that `mode` asks for.
      if (owner !== undefined) await file.chown(owner.uid, owner.gid)
      if (!applyUmask) await file.chmod(mode)
    } catch (error) {
      await file.close().catch(() => undefined)
      await unlink(path).catch(() => undefined)
      throw error
    }
    await file.close()
  }

  /**
   * Opens `name` for reading only when it is a regular file, else undefined: a symlink, a
   * FIFO, a device or a directory is never read. The lstat keeps device nodes from being
   * opened at all; O_NONBLOCK keeps a FIFO swapped in after it from blocking the open; the
   * fstat decides.
   */
  async openRegularFile(name: string | Buffer): Promise<RegularFile | undefined> {
    const path = this.#pathOf(name)
    if (!(await lstat(path)).isFile()) return undefined
    let file: FileHandle
    try {
      file = await open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)
    } catch (error) {
      if (errorCode(error) === 'ELOOP') return undefined
      throw error
    }
    const stats = await file.stat().catch(closeAndRethrow(file))
    if (!stats.isFile()) {
      await file.close()
      return undefined
    }
    return {
      size: stats.size,
      read: async (buffer, position) =>
        (await file.read(buffer, 0, buffer.length, position)).bytesRead,
      close: () => file.close(),
    }
  }

  /**
   * Streams the entries (never `.` or `..`) with their exact byte names. Breaking out of the
   * loop closes the listing, so a caller may look at only the first few of a huge directory.
   */
  async *entries(): AsyncGenerator<DirectoryEntry> {
    // Node takes `encoding: 'buffer'` here and yields Buffer names; its types know neither.
    const encoding = 'buffer' as unknown as BufferEncoding
    const listing = await opendir(this.#base(), { encoding, bufferSize: 64 })
    for await (const dirent of listing as AsyncIterable<Dirent<string | Buffer>>) {
      yield { name: Buffer.from(dirent.name), kind: kindOf(dirent) }
    }
  }

  /** What `name` is, a symlink not followed, or undefined when nothing is there. */
  async entryKind(name: string | Buffer): Promise<EntryKind | undefined> {
    let stats: Stats
    try {
      stats = await lstat(this.#pathOf(name))
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined
      throw error
    }
    return kindOf(stats)
  }

  /** Unlinks a non-directory (a symlink is removed, never followed); EISDIR for a directory. */
  async remove(name: string | Buffer): Promise<void> {
    await unlink(this.#pathOf(name))
  }

  /** Removes an empty subdirectory; ENOTDIR for anything else, a symlink to a directory included. */
  async removeDirectory(name: string | Buffer): Promise<void> {
    await rmdir(this.#pathOf(name))
  }

  /** Gives this directory to `uid:gid` through its descriptor (fchown), never by path. */
  async chown(uid: number, gid: number): Promise<void> {
    await this.#handle.chown(uid, gid)
  }

  /** In bigints, so `dev` and `ino` tell directories apart exactly. */
  stat(): Promise<BigIntStats> {
    return this.#handle.stat({ bigint: true })
  }

  /** Safe to call more than once. */
  async close(): Promise<void> {
    if (this.#handle.fd !== -1) await this.#handle.close()
  }

  #base(): string {
    const fd = this.#handle.fd
    if (fd === -1)
      throw Object.assign(new Error('The directory handle is closed'), { code: 'EBADF' })
    return `/proc/self/fd/${fd}`
  }

  #pathOf(name: string | Buffer): Buffer {
    const bytes = typeof name === 'string' ? Buffer.from(name) : name
    if (
      bytes.length === 0 ||
      bytes.includes(SLASH) ||
      bytes.includes(NUL) ||
      bytes.equals(DOT) ||
      bytes.equals(DOT_DOT)
    ) {
      throw new InvalidArgumentError(
        `Expected one path component (not empty, \`.\` or \`..\`, no \`/\` or NUL), got ${JSON.stringify(bytes.toString())}`,
      )
    }
    return Buffer.concat([Buffer.from(`${this.#base()}/`), bytes])
  }
}

const DOT = Buffer.from('.')
const DOT_DOT = Buffer.from('..')

function kindOf(entry: Dirent<string | Buffer> | Stats): EntryKind {
  if (entry.isDirectory()) return 'directory'
  if (entry.isFile()) return 'file'
  if (entry.isSymbolicLink()) return 'symlink'
  return 'other'
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code
}

/** For a `.catch` after opening: close what was opened, then let the first error through. */
function closeAndRethrow(opened: { close(): Promise<void> }): (error: unknown) => Promise<never> {
  return async (error) => {
    await opened.close().catch(() => undefined)
    throw error
  }
}
