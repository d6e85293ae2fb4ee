import { constants, type Stats } from 'node:fs'
import { type FileHandle, lstat, mkdir, open, readdir, rmdir, unlink } from 'node:fs/promises'
import { resolve } from 'node:path'
import { InvalidArgumentError } from '../errors.js'

const DIRECTORY_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW
const NEW_FILE_FLAGS =
  constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW

/**
 * An open directory whose operations all work relative to its descriptor, one name at a time.
 * Node has no `openat`, so `/proc/self/fd/N/name` stands in for it: the kernel resolves
 * `fd/N` to this very directory (even if its path has since been renamed or replaced), and
 * O_NOFOLLOW, O_EXCL, `lstat`, `mkdir` and `unlink` never follow `name` itself. Linux only.
 */
export class DirectoryFd {
  readonly #handle: FileHandle

  private constructor(handle: FileHandle) {
    this.#handle = handle
  }

  /**
   * Opens `path` as a directory, refusing (ENOTDIR or ELOOP) when it is itself a symlink;
   * the directories above it are resolved as usual. The path is normalized first, since a
   * trailing `/` or `/.` would make the kernel follow a final symlink despite O_NOFOLLOW.
   */
  static async open(path: string): Promise<DirectoryFd> {
    const directory = new DirectoryFd(await open(resolve(path), DIRECTORY_FLAGS))
    try {
      await readdir(directory.#path())
    } catch (error) {
      await directory.close()
      throw new InvalidArgumentError(
        `Cannot use ${path} without following symlinks: /proc/self/fd is not available (${(error as Error).message}). Writing returned files needs Linux with /proc mounted.`,
      )
    }
    return directory
  }

  /** Opens the child directory `name`; refuses (ENOTDIR or ELOOP) when it is a symlink. */
  async openChild(name: string): Promise<DirectoryFd> {
    return new DirectoryFd(await open(this.#path(name), DIRECTORY_FLAGS))
  }

  /** Creates the directory `name`; EEXIST when anything, a symlink included, is there. */
  async makeChild(name: string, mode = 0o755): Promise<void> {
    await mkdir(this.#path(name), { mode })
  }

  /**
   * Creates the file `name` and writes `content`; EEXIST when anything, a symlink included,
   * is there, so nothing is ever replaced. A file left half-written by a failed write is
   * removed before the error is rethrown.
   */
  async createFile(name: string, content: Uint8Array, mode = 0o644): Promise<void> {
    const handle = await open(this.#path(name), NEW_FILE_FLAGS, mode)
    try {
      await handle.writeFile(content)
    } catch (error) {
      await handle.close()
      await unlink(this.#path(name)).catch(() => undefined)
      throw error
    }
    await handle.close()
  }

  /** The entry `name` itself (a symlink is not followed), or undefined when there is none. */
  async entry(name: string): Promise<Stats | undefined> {
    try {
      return await lstat(this.#path(name))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
  }

  async isEmpty(): Promise<boolean> {
    return (await readdir(this.#path())).length === 0
  }

  removeFile(name: string): Promise<void> {
    return unlink(this.#path(name))
  }

  removeDirectory(name: string): Promise<void> {
    return rmdir(this.#path(name))
  }

  close(): Promise<void> {
    return this.#handle.close()
  }

  #path(name?: string): string {
    const self = `/proc/self/fd/${this.#handle.fd}`
    if (name === undefined) return self
    if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0'))
      throw new InvalidArgumentError(
        `Expected a single path component, got ${JSON.stringify(name)}`,
      )
    return `${self}/${name}`
  }
}
