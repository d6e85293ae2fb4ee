import { execFileSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../errors.js'
import { DirectoryHandle } from './directory-handle.js'

let root: string
/** Outside the tree under test: what a hostile symlink points at, checked untouched afterwards. */
let canary: string
let handle: DirectoryHandle

const openFds = (): number => readdirSync('/proc/self/fd').length

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'directory-handle-'))
  canary = await mkdtemp(join(tmpdir(), 'canary-'))
  await writeFile(join(canary, 'secret'), 'host secret')
  handle = await DirectoryHandle.open(root)
})
afterEach(async () => {
  await handle.close()
  expect(await readdir(canary)).toEqual(['secret'])
  expect(await readFile(join(canary, 'secret'), 'utf8')).toBe('host secret')
  await rm(root, { recursive: true, force: true })
  await rm(canary, { recursive: true, force: true })
})

describe('DirectoryHandle', () => {
  it('refuses a root that is a symlink, however the path is spelled', async () => {
    const link = join(root, 'link')
    await symlink(canary, link)
    for (const path of [link, `${link}/`, `${link}/.`]) {
      await expect(DirectoryHandle.open(path)).rejects.toMatchObject({
        code: expect.stringMatching(/^(ENOTDIR|ELOOP)$/),
      })
    }
  })

  it.each(['', '.', '..', 'a/b', '/abs', 'nul\0byte'])('refuses the name %j', async (name) => {
    await expect(handle.openDirectory(name)).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(handle.createFile(name, Buffer.from('x'), 0o644)).rejects.toBeInstanceOf(
      InvalidArgumentError,
    )
    await expect(handle.remove(name)).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(handle.createDirectory(name, 0o755)).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(handle.entryKind(name)).rejects.toBeInstanceOf(InvalidArgumentError)
  })

  it('refuses to enter a symlink to a directory', async () => {
    await symlink(canary, join(root, 'link'))
    await expect(handle.openDirectory('link')).rejects.toMatchObject({
      code: expect.stringMatching(/^(ENOTDIR|ELOOP)$/),
    })
  })

  it('makes a directory with exactly the mode asked, whatever the umask', async () => {
    const made = await handle.makeDirectory('d', 0o777)
    await made.close()
    expect((await stat(join(root, 'd'))).mode & 0o7777).toBe(0o777)
  })

  it('opens an existing real directory, and refuses a symlink or file in the way with EEXIST', async () => {
    await mkdir(join(root, 'real'))
    await (await handle.makeDirectory('real', 0o700)).close()
    await symlink(canary, join(root, 'link'))
    await writeFile(join(root, 'file'), 'x')
    await expect(handle.makeDirectory('link', 0o700)).rejects.toMatchObject({ code: 'EEXIST' })
    await expect(handle.makeDirectory('file', 0o700)).rejects.toMatchObject({ code: 'EEXIST' })
  })

  it('creates a file with its content, mode and owner, through the descriptor', async () => {
    const owner =
      process.getuid?.() === 0
        ? { uid: 10001, gid: 10001 }
        : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 }
    await handle.createFile('f', Buffer.from('hello'), 0o666, { owner })
    const created = await stat(join(root, 'f'))
    expect(created.mode & 0o7777).toBe(0o666)
    expect([created.uid, created.gid]).toEqual([owner.uid, owner.gid])
    expect(await readFile(join(root, 'f'), 'utf8')).toBe('hello')
  })

  it('leaves the umask to take bits from the mode when asked', async () => {
    await handle.createFile('f', Buffer.from('x'), 0o666, { applyUmask: true })
    expect((await stat(join(root, 'f'))).mode & 0o7777).toBe(0o666 & ~process.umask())
  })

  it('never replaces a file, nor creates one through a symlink, dangling or not', async () => {
    await writeFile(join(root, 'old'), 'old')
    await symlink(join(canary, 'secret'), join(root, 'to-secret'))
    await symlink(join(canary, 'planted'), join(root, 'dangling'))
    for (const name of ['old', 'to-secret', 'dangling']) {
      await expect(handle.createFile(name, Buffer.from('evil'), 0o666)).rejects.toMatchObject({
        code: 'EEXIST',
      })
    }
    expect(await readFile(join(root, 'old'), 'utf8')).toBe('old')
  })

  it('removes a file it created but could not finish', async () => {
    const owner = { uid: -2, gid: -2 }
    await expect(handle.createFile('f', Buffer.from('x'), 0o644, { owner })).rejects.toMatchObject({
      code: 'ERR_OUT_OF_RANGE',
    })
    expect(await readdir(root)).toEqual([])
  })

  it('creates a directory with the mode less the umask, and only where nothing is', async () => {
    await handle.createDirectory('d', 0o777)
    expect((await stat(join(root, 'd'))).mode & 0o7777).toBe(0o777 & ~process.umask())
    await symlink(canary, join(root, 'link'))
    await writeFile(join(root, 'file'), 'x')
    for (const name of ['d', 'link', 'file']) {
      await expect(handle.createDirectory(name, 0o755)).rejects.toMatchObject({ code: 'EEXIST' })
    }
  })

  it('tells what a name is without following a symlink, and undefined for nothing', async () => {
    await writeFile(join(root, 'file'), 'x')
    await mkdir(join(root, 'dir'))
    await symlink(canary, join(root, 'link'))
    await symlink(join(canary, 'planted'), join(root, 'dangling'))
    execFileSync('mkfifo', [join(root, 'pipe')])
    const kinds = []
    for (const name of ['file', 'dir', 'link', 'dangling', 'pipe', 'missing'])
      kinds.push(await handle.entryKind(name))
    expect(kinds).toEqual(['file', 'directory', 'symlink', 'symlink', 'other', undefined])
  })

  it('opens only regular files for reading, and a FIFO never blocks', async () => {
    await writeFile(join(root, 'real'), 'content')
    await symlink(join(canary, 'secret'), join(root, 'link'))
    execFileSync('mkfifo', [join(root, 'pipe')])
    await mkdir(join(root, 'dir'))
    for (const name of ['link', 'pipe', 'dir']) {
      expect(await handle.openRegularFile(name)).toBeUndefined()
    }
    const file = await handle.openRegularFile('real')
    expect(file?.size).toBe(7)
    const buffer = Buffer.alloc(4)
    expect(await file?.read(buffer, 3)).toBe(4)
    expect(buffer.toString()).toBe('tent')
    await file?.close()
  })

  it('lists entries with their exact byte names and kinds', async () => {
    const notUtf8 = Buffer.from([0x62, 0x61, 0x64, 0xff])
    await writeFile(Buffer.concat([Buffer.from(`${root}/`), notUtf8]), 'x')
    await mkdir(join(root, 'dir'))
    await symlink(canary, join(root, 'link'))
    execFileSync('mkfifo', [join(root, 'pipe')])
    const listed = []
    for await (const entry of handle.entries())
      listed.push([entry.name.toString('hex'), entry.kind])
    expect(listed.sort()).toEqual(
      [
        [notUtf8.toString('hex'), 'file'],
        [Buffer.from('dir').toString('hex'), 'directory'],
        [Buffer.from('link').toString('hex'), 'symlink'],
        [Buffer.from('pipe').toString('hex'), 'other'],
      ].sort(),
    )
  })

  it('closes the listing when the caller stops early', async () => {
    for (let i = 0; i < 500; i++) await writeFile(join(root, `f${i}`), '')
    const before = openFds()
    for await (const _ of handle.entries()) break
    expect(openFds()).toBeLessThanOrEqual(before)
  })

  it('unlinks a symlink without touching its target, and will not rmdir through one', async () => {
    await symlink(canary, join(root, 'link'))
    await expect(handle.removeDirectory('link')).rejects.toMatchObject({ code: 'ENOTDIR' })
    await handle.remove('link')
    await expect(lstat(join(root, 'link'))).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('stays on the directory it opened when its path is swapped for a symlink', async () => {
    await mkdir(join(root, 'd'))
    const inner = await handle.openDirectory('d')
    try {
      await rename(join(root, 'd'), join(root, 'moved'))
      await symlink(canary, join(root, 'd'))
      await inner.createFile('written', Buffer.from('x'), 0o644)
      expect(await readdir(join(root, 'moved'))).toEqual(['written'])
    } finally {
      await inner.close()
    }
  })

  it('opens its parent through `..`, the same directory by device and inode', async () => {
    const inner = await handle.makeDirectory('d', 0o700)
    const parent = await inner.openParent()
    try {
      const [expected, actual] = [await handle.stat(), await parent.stat()]
      expect([actual.dev, actual.ino]).toEqual([expected.dev, expected.ino])
    } finally {
      await parent.close()
      await inner.close()
    }
  })

  it('chowns itself through its descriptor', async () => {
    const uid = process.getuid?.() === 0 ? 10001 : (process.getuid?.() ?? 0)
    const inner = await handle.makeDirectory('d', 0o700)
    await inner.chown(uid, uid)
    await inner.close()
    expect((await stat(join(root, 'd'))).uid).toBe(uid)
  })

  it('can be closed twice, and refuses use after close with EBADF', async () => {
    const inner = await handle.makeDirectory('d', 0o700)
    await inner.close()
    await inner.close()
    await expect(inner.openDirectory('x')).rejects.toMatchObject({ code: 'EBADF' })
  })
})
