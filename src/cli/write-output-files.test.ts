import { lstat, mkdtemp, readFile, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { writeOutputFiles } from './write-output-files.js'

let dir: string
const file = (name: string, text: string) => ({
  name,
  size: text.length,
  contentBase64: Buffer.from(text).toString('base64'),
  truncated: false,
})

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'out-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('writeOutputFiles', () => {
  it('writes returned files, creating their directories', async () => {
    const written = await writeOutputFiles(dir, [file('a.txt', 'A'), file('sub/b.txt', 'B')])
    expect(written).toEqual([join(dir, 'a.txt'), join(dir, 'sub', 'b.txt')])
    expect(await readFile(join(dir, 'sub', 'b.txt'), 'utf8')).toBe('B')
  })

  it('refuses names that would leave the directory', async () => {
    await expect(writeOutputFiles(dir, [file('../escape', 'x')])).rejects.toThrow(
      'Refusing returned file "../escape": expected no `.` or `..` segments',
    )
  })

  it('does not write through a symlink, as file or as directory', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'outside-'))
    try {
      await symlink(join(outside, 'target'), join(dir, 'link'))
      await expect(writeOutputFiles(dir, [file('link', 'x')])).rejects.toMatchObject({
        code: 'ELOOP',
      })
      await symlink(outside, join(dir, 'dirlink'))
      await expect(writeOutputFiles(dir, [file('dirlink/x', 'x')])).rejects.toThrow(
        'not a directory',
      )
      await expect(lstat(join(outside, 'target'))).rejects.toMatchObject({ code: 'ENOENT' })
      await expect(lstat(join(outside, 'x'))).rejects.toMatchObject({ code: 'ENOENT' })
    } finally {
      await rm(outside, { recursive: true, force: true })
    }
  })
})
