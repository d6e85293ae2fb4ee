import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DirectoryFd } from './directory-fd.js'

let root: string
let directory: DirectoryFd

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'dirfd-'))
  directory = await DirectoryFd.open(root)
})
afterEach(async () => {
  await directory.close()
  await rm(root, { recursive: true, force: true })
})

describe('DirectoryFd', () => {
  it('refuses a name that is not a single path component', async () => {
    for (const name of ['', '.', '..', 'a/b', '/abs']) {
      await expect(directory.entry(name)).rejects.toThrow(
        `Expected a single path component, got ${JSON.stringify(name)}`,
      )
    }
  })

  it('keeps working in the directory it opened after its path is swapped for a symlink', async () => {
    const outside = join(root, 'outside')
    await mkdir(outside)
    await mkdir(join(root, 'inner'))
    const inner = await DirectoryFd.open(join(root, 'inner'))
    try {
      await rename(join(root, 'inner'), join(root, 'moved'))
      await symlink(outside, join(root, 'inner'))
      await inner.createFile('x', Buffer.from('x'))
      expect(await readdir(join(root, 'moved'))).toEqual(['x'])
      expect(await readdir(outside)).toEqual([])
    } finally {
      await inner.close()
    }
  })

  it('opens child directories but not symlinks to them', async () => {
    await mkdir(join(root, 'real'))
    await symlink(join(root, 'real'), join(root, 'link'))
    const child = await directory.openChild('real')
    await child.close()
    await expect(directory.openChild('link')).rejects.toMatchObject({ code: 'ENOTDIR' })
    await expect(DirectoryFd.open(join(root, 'link'))).rejects.toMatchObject({ code: 'ENOTDIR' })
  })

  it('creates a file only where nothing is, not even a dangling symlink', async () => {
    await directory.createFile('new.txt', Buffer.from('new'))
    expect(await readFile(join(root, 'new.txt'), 'utf8')).toBe('new')
    await writeFile(join(root, 'old.txt'), 'old')
    await expect(directory.createFile('old.txt', Buffer.from('x'))).rejects.toMatchObject({
      code: 'EEXIST',
    })
    expect(await readFile(join(root, 'old.txt'), 'utf8')).toBe('old')
    await symlink(join(root, 'target'), join(root, 'dangling'))
    await expect(directory.createFile('dangling', Buffer.from('x'))).rejects.toMatchObject({
      code: 'EEXIST',
    })
    await expect(lstat(join(root, 'target'))).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
