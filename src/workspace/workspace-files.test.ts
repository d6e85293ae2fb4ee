import { execFileSync } from 'node:child_process'
import { constants, readdirSync, readFileSync } from 'node:fs'
import {
  lstat,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  symlink,
  truncate,
  writeFile,
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../errors.js'
import { type DirectoryEntry, DirectoryHandle, type RegularFile } from './directory-handle.js'
import { collectOutputFiles } from './output-files.js'
import { removeTree } from './remove-tree.js'
import {
  digest,
  type InputFile,
  type InputFingerprint,
  writeInputFiles,
} from './workspace-files.js'

let root: string
/** Outside the workspace: what hostile symlinks point at, checked untouched after each test. */
let canary: string
let handle: DirectoryHandle

const caps = { fileBytes: 1_000, totalBytes: 10_000, files: 10 }
const modes = { fileMode: 0o644, dirMode: 0o755 }
const b64 = (text: string): string => Buffer.from(text).toString('base64')
const openFds = (): number => readdirSync('/proc/self/fd').length
/** Bytes this process has read through read(2) and the like, from the kernel's own count. */
const bytesReadByProcess = (): number =>
  Number(/^rchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))?.[1])
const fingerprints = (files: readonly InputFile[]): Map<string, InputFingerprint> =>
  new Map(files.map((f) => [f.name, { size: f.content.length, digest: digest(f.content) }]))

/** A root whose own methods can be watched or made to misbehave; children are plain handles. */
class HookedRoot extends DirectoryHandle {
  bytesRead = 0
  beforeYield: (entry: DirectoryEntry) => Promise<void> = async () => undefined
  afterOpen: () => void = () => undefined

  static async openHooked(path: string): Promise<HookedRoot> {
    const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = constants
    return new HookedRoot(await open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW))
  }

  override async *entries(): AsyncGenerator<DirectoryEntry> {
    for await (const entry of super.entries()) {
      await this.beforeYield(entry)
      yield entry
    }
  }

  override async openRegularFile(name: string | Buffer): Promise<RegularFile | undefined> {
    const file = await super.openRegularFile(name)
    this.afterOpen()
    if (file === undefined) return undefined
    return {
      size: file.size,
      read: async (buffer, position) => {
        const bytesRead = await file.read(buffer, position)
        this.bytesRead += bytesRead
        return bytesRead
      },
      close: () => file.close(),
    }
  }
}

/** Builds `levels` nested directories `d` through descriptors (the path is past PATH_MAX). */
async function makeDeepTree(levels: number, atBottom: (bottom: DirectoryHandle) => Promise<void>) {
  let current = await handle.makeDirectory('d', 0o755)
  for (let i = 1; i < levels; i++) {
    const next = await current.makeDirectory('d', 0o755)
    await current.close()
    current = next
  }
  await atBottom(current)
  await current.close()
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'workspace-files-'))
  canary = await mkdtemp(join(tmpdir(), 'canary-'))
  await writeFile(join(canary, 'secret'), 'host secret')
  handle = await DirectoryHandle.open(root)
})
afterEach(async () => {
  await handle.close()
  expect(await readdir(canary)).toEqual(['secret'])
  expect(await readFile(join(canary, 'secret'), 'utf8')).toBe('host secret')
  // The deep trees are past PATH_MAX for rm; removeTree is what can take them down.
  const cleaner = await DirectoryHandle.open(root)
  await removeTree(cleaner).finally(() => cleaner.close())
  await rm(root, { recursive: true, force: true })
  await rm(canary, { recursive: true, force: true })
}, 60_000)

describe('writeInputFiles', () => {
  it('writes nested files with exact modes, and refuses to overwrite', async () => {
    const files = [
      { name: 'in/a.csv', content: Buffer.from('a') },
      { name: 'in/sub/b.csv', content: Buffer.from('b') },
      { name: 'top.txt', content: Buffer.from('t') },
    ]
    await writeInputFiles(handle, files, { fileMode: 0o666, dirMode: 0o777 })
    expect(await readFile(join(root, 'in/sub/b.csv'), 'utf8')).toBe('b')
    expect((await stat(join(root, 'in/a.csv'))).mode & 0o7777).toBe(0o666)
    expect((await stat(join(root, 'in/sub'))).mode & 0o7777).toBe(0o777)
    await expect(writeInputFiles(handle, files.slice(2), modes)).rejects.toMatchObject({
      code: 'EEXIST',
    })
  })

  it('gives every created file and directory to the owner', async () => {
    const owner =
      process.getuid?.() === 0
        ? { uid: 10001, gid: 10001 }
        : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 }
    await writeInputFiles(handle, [{ name: 'a/b/c.txt', content: Buffer.from('x') }], {
      ...modes,
      owner,
    })
    for (const path of ['a', 'a/b', 'a/b/c.txt']) {
      const { uid, gid } = await stat(join(root, path))
      expect([path, uid, gid]).toEqual([path, owner.uid, owner.gid])
    }
  })

  it('refuses to write through a symlink that is a directory of the name', async () => {
    await symlink(canary, join(root, 'a'))
    const before = openFds()
    await expect(
      writeInputFiles(handle, [{ name: 'a/secret', content: Buffer.from('evil') }], modes),
    ).rejects.toMatchObject({ code: 'EEXIST' })
    await expect(
      writeInputFiles(handle, [{ name: 'a/new/x', content: Buffer.from('evil') }], modes),
    ).rejects.toMatchObject({ code: 'EEXIST' })
    expect(openFds()).toBeLessThanOrEqual(before)
  })

  it('refuses to write through a symlink that is the name itself', async () => {
    await symlink(join(canary, 'secret'), join(root, 'x'))
    await expect(
      writeInputFiles(handle, [{ name: 'x', content: Buffer.from('evil') }], modes),
    ).rejects.toMatchObject({ code: 'EEXIST' })
  })

  it('checks the names again and refuses an unsafe one', async () => {
    await expect(
      writeInputFiles(handle, [{ name: '../escape', content: Buffer.from('x') }], modes),
    ).rejects.toBeInstanceOf(InvalidArgumentError)
  })

  it('writes 1,000 names of 200 segments each, every file with its content', async () => {
    const files: InputFile[] = []
    for (let i = 0; i < 1_000; i++) {
      // Names share 190 to 198 levels, then branch: each directory is made once, ~5,000 in all.
      const shared = 190 + (i % 9)
      const segments = [
        ...Array<string>(shared).fill('d'),
        `b${i}`,
        ...Array<string>(198 - shared).fill('e'),
        `f${i}`,
      ]
      files.push({ name: segments.join('/'), content: Buffer.from(`content ${i}`) })
    }
    const before = openFds()
    await writeInputFiles(handle, files, modes)
    expect(openFds()).toBeLessThanOrEqual(before)
    // 200 levels is past what collection walks, and the paths are short enough to read.
    for (const file of files) {
      expect(await readFile(join(root, file.name), 'utf8')).toBe(
        Buffer.from(file.content).toString(),
      )
    }
  }, 60_000)

  it('writes 1,000 names of 508 segments into one deep directory (the heap attack)', async () => {
    const deep = 'a/'.repeat(507)
    const files = Array.from({ length: 1_000 }, (_, i) => ({
      name: `${deep}${i}`,
      content: Buffer.from(String(i)),
    }))
    await writeInputFiles(handle, files, modes)
    let bottom = handle
    for (let i = 0; i < 507; i++) {
      const next = await bottom.openDirectory('a')
      if (bottom !== handle) await bottom.close()
      bottom = next
    }
    const names: string[] = []
    for await (const entry of bottom.entries()) names.push(entry.name.toString())
    await bottom.close()
    expect(names.sort()).toEqual(files.map((f) => f.name.slice(deep.length)).sort())
  }, 60_000)
})

describe('collectOutputFiles', () => {
  it('returns new and changed files, sorted, and skips unchanged inputs', async () => {
    const inputs = [
      { name: 'same.txt', content: Buffer.from('same') },
      { name: 'changed.txt', content: Buffer.from('before') },
      { name: 'same-size.txt', content: Buffer.from('abc') },
    ]
    await writeInputFiles(handle, inputs, modes)
    await writeFile(join(root, 'changed.txt'), 'after')
    await writeFile(join(root, 'same-size.txt'), 'xyz')
    await mkdir(join(root, 'out'))
    await writeFile(join(root, 'out', 'new.txt'), 'new')
    await writeFile(join(root, 'out-file'), 'o')
    const collected = await collectOutputFiles(handle, fingerprints(inputs), caps)
    expect(collected).toEqual({
      files: [
        { name: 'changed.txt', size: 5, contentBase64: b64('after'), truncated: false },
        { name: 'out-file', size: 1, contentBase64: b64('o'), truncated: false },
        { name: 'out/new.txt', size: 3, contentBase64: b64('new'), truncated: false },
        { name: 'same-size.txt', size: 3, contentBase64: b64('xyz'), truncated: false },
      ],
      filesTruncated: false,
    })
  })

  it('never reads through a symlink to a file or a directory, and skips a FIFO without blocking', async () => {
    await symlink(join(canary, 'secret'), join(root, 'link-to-file'))
    await symlink(canary, join(root, 'link-to-dir'))
    execFileSync('mkfifo', [join(root, 'pipe')])
    await writeFile(join(root, 'real.txt'), 'ok')
    const collected = await collectOutputFiles(handle, new Map(), caps)
    expect(collected).toEqual({
      files: [{ name: 'real.txt', size: 2, contentBase64: b64('ok'), truncated: false }],
      filesTruncated: false,
    })
  })

  it('skips a directory swapped for a symlink after it was listed', async () => {
    await mkdir(join(root, 'victim'))
    await writeFile(join(root, 'victim', 'inside'), 'x')
    const hooked = await HookedRoot.openHooked(root)
    hooked.beforeYield = async (entry) => {
      if (entry.name.toString() !== 'victim') return
      await rename(join(root, 'victim'), join(root, '.moved'))
      await symlink(canary, join(root, 'victim'))
    }
    try {
      const collected = await collectOutputFiles(hooked, new Map(), caps)
      expect(collected).toEqual({ files: [], filesTruncated: false })
    } finally {
      await hooked.close()
    }
  })

  it('reads no more of a huge sparse file than it returns', async () => {
    const size = 65 * 1_024 * 1_024
    for (let i = 0; i < 20; i++) {
      await writeFile(join(root, `sparse${i}`), '')
      await truncate(join(root, `sparse${i}`), size)
    }
    const hooked = await HookedRoot.openHooked(root)
    try {
      const before = bytesReadByProcess()
      const collected = await collectOutputFiles(hooked, new Map(), {
        fileBytes: 1_000,
        totalBytes: 1_000_000,
        files: 50,
      })
      const readByProcess = bytesReadByProcess() - before
      expect(collected.files).toHaveLength(20)
      expect(collected.files[0]).toEqual({
        name: 'sparse0',
        size,
        contentBase64: Buffer.alloc(1_000).toString('base64'),
        truncated: true,
      })
      expect(hooked.bytesRead).toBe(20 * 1_000)
      // One whole file would be 65 MiB: the kernel's count says none was read.
      expect(readByProcess).toBeLessThan(4 * 1_024 * 1_024)
    } finally {
      await hooked.close()
    }
  })

  it('cuts a file at the per-file cap and marks it truncated', async () => {
    await writeFile(join(root, 'big.txt'), 'x'.repeat(1_500))
    const [file] = (await collectOutputFiles(handle, new Map(), caps)).files
    expect(file).toEqual({
      name: 'big.txt',
      size: 1_500,
      contentBase64: b64('x'.repeat(1_000)),
      truncated: true,
    })
  })

  it('stops at the total cap and the file count, and says so', async () => {
    for (const name of ['a', 'b', 'c']) await writeFile(join(root, name), 'y'.repeat(600))
    const byTotal = await collectOutputFiles(handle, new Map(), {
      fileBytes: 1_000,
      totalBytes: 1_000,
      files: 10,
    })
    expect(byTotal.files.map((f) => [f.name, f.truncated])).toEqual([
      ['a', false],
      ['b', true],
    ])
    expect(byTotal.filesTruncated).toBe(true)
    const byCount = await collectOutputFiles(handle, new Map(), {
      fileBytes: 1_000,
      totalBytes: 10_000,
      files: 2,
    })
    expect(byCount.files.map((f) => f.name)).toEqual(['a', 'b'])
    expect(byCount.filesTruncated).toBe(true)
  })

  it('stops walking once more changed files are found than can be returned', async () => {
    for (let i = 0; i < 100; i++) await writeFile(join(root, `f${String(i).padStart(3, '0')}`), 'z')
    const hooked = await HookedRoot.openHooked(root)
    let opened = 0
    hooked.afterOpen = () => opened++
    try {
      const collected = await collectOutputFiles(hooked, new Map(), { ...caps, files: 3 })
      expect(collected.files.map((f) => f.name)).toEqual(['f000', 'f001', 'f002'])
      expect(collected.filesTruncated).toBe(true)
      expect(opened).toBe(4)
    } finally {
      await hooked.close()
    }
  })

  it('leaves out what is deeper than 64 levels, and says so', async () => {
    await writeFile(join(root, 'top.txt'), 't')
    await makeDeepTree(70, (bottom) => bottom.createFile('bottom.txt', Buffer.from('b'), 0o644))
    const before = openFds()
    const collected = await collectOutputFiles(handle, new Map(), caps)
    expect(openFds()).toBeLessThanOrEqual(before)
    expect(collected).toEqual({
      files: [{ name: 'top.txt', size: 1, contentBase64: b64('t'), truncated: false }],
      filesTruncated: true,
    })
  })

  it('stops looking after 20,000 entries, and says so', async () => {
    await mkdir(join(root, 'a'))
    for (let i = 0; i < 20_000; i++) await symlink('nowhere', join(root, 'a', `l${i}`))
    await writeFile(join(root, 'b.txt'), 'b')
    const collected = await collectOutputFiles(handle, new Map(), caps)
    expect(collected).toEqual({
      files: [{ name: 'b.txt', size: 1, contentBase64: b64('b'), truncated: false }],
      filesTruncated: true,
    })
  }, 30_000)

  it('throws the abort reason between two files', async () => {
    for (const name of ['a', 'b', 'c']) await writeFile(join(root, name), 'x')
    const controller = new AbortController()
    const reason = new Error('cancelled')
    const hooked = await HookedRoot.openHooked(root)
    let opened = 0
    hooked.afterOpen = () => {
      opened++
      controller.abort(reason)
    }
    const before = openFds()
    try {
      await expect(collectOutputFiles(hooked, new Map(), caps, controller.signal)).rejects.toBe(
        reason,
      )
      expect(opened).toBe(1)
      expect(openFds()).toBeLessThanOrEqual(before)
    } finally {
      await hooked.close()
    }
  })
})

describe('removeTree', () => {
  it('empties the root of files, directories, symlinks, FIFOs and odd names, and keeps the root', async () => {
    await writeInputFiles(handle, [{ name: 'a/b/c.txt', content: Buffer.from('x') }], modes)
    await symlink(join(canary, 'secret'), join(root, 'to-secret'))
    await symlink(canary, join(root, 'to-canary'))
    execFileSync('mkfifo', [join(root, 'pipe')])
    await writeFile(Buffer.from([...Buffer.from(`${root}/`), 0xff, 0xfe]), 'x')
    await removeTree(handle)
    expect(await readdir(root)).toEqual([])
    expect((await lstat(root)).isDirectory()).toBe(true)
  })

  it('unlinks a symlink to a directory deep in the tree, never entering it', async () => {
    await mkdir(join(root, 'x/y'), { recursive: true })
    await symlink(canary, join(root, 'x/y/to-canary'))
    await removeTree(handle)
    expect(await readdir(root)).toEqual([])
  })

  it('removes 3,000 nested levels with a bounded number of open descriptors', async () => {
    await makeDeepTree(3_000, async (bottom) => {
      await bottom.createFile('file', Buffer.from('x'), 0o644)
      await symlink(canary, `/proc/self/fd/${await fdOf(bottom)}/to-canary`)
    })
    const before = openFds()
    let most = before
    const sampler = setInterval(() => {
      most = Math.max(most, openFds())
    }, 1)
    try {
      await removeTree(handle)
    } finally {
      clearInterval(sampler)
    }
    expect(await readdir(root)).toEqual([])
    expect(openFds()).toBeLessThanOrEqual(before)
    // Bounded by the window (16 levels, a directory and a listing each) and a few in flight,
    // not by the 3,000 levels.
    expect(most - before).toBeLessThanOrEqual(40)
  }, 60_000)

  it('unlinks a directory swapped for a symlink between listing and removal', async () => {
    await mkdir(join(root, 'victim'))
    await writeFile(join(root, 'victim', 'inside'), 'x')
    const hooked = await HookedRoot.openHooked(root)
    let swapped = false
    hooked.beforeYield = async (entry) => {
      if (swapped || entry.name.toString() !== 'victim') return
      swapped = true
      await rename(join(root, 'victim'), join(root, 'moved'))
      await symlink(canary, join(root, 'victim'))
    }
    try {
      await removeTree(hooked)
    } finally {
      await hooked.close()
    }
    expect(swapped).toBe(true)
    expect(await readdir(root)).toEqual([])
  })
})

/** The descriptor number behind a handle, found through the kernel rather than its internals. */
async function fdOf(directory: DirectoryHandle): Promise<number> {
  const { dev, ino } = await directory.stat()
  for (const name of readdirSync('/proc/self/fd')) {
    const found = await stat(`/proc/self/fd/${name}`, { bigint: true }).catch(() => undefined)
    if (found?.isDirectory() && found.dev === dev && found.ino === ino) return Number(name)
  }
  throw new Error('no descriptor for the directory')
}
