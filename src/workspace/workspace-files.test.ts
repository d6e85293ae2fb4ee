import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { collectOutputFiles, digest, writeInputFiles } from './workspace-files.js'

let root: string
const caps = { fileBytes: 1_000, totalBytes: 10_000, files: 10 }
const b64 = (text: string): string => Buffer.from(text).toString('base64')

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'workspace-files-'))
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('writeInputFiles', () => {
  it('writes nested files and refuses to overwrite', async () => {
    const files = [{ name: 'in/a.csv', content: Buffer.from('x') }]
    await writeInputFiles(root, files, 0o644)
    await expect(writeInputFiles(root, files, 0o644)).rejects.toMatchObject({ code: 'EEXIST' })
  })
})

describe('collectOutputFiles', () => {
  it('returns new and changed files, sorted, and skips unchanged inputs', async () => {
    await writeInputFiles(
      root,
      [
        { name: 'same.txt', content: Buffer.from('same') },
        { name: 'changed.txt', content: Buffer.from('before') },
      ],
      0o644,
    )
    const inputs = new Map([
      ['same.txt', digest(Buffer.from('same'))],
      ['changed.txt', digest(Buffer.from('before'))],
    ])
    await writeFile(join(root, 'changed.txt'), 'after')
    await mkdir(join(root, 'out'))
    await writeFile(join(root, 'out', 'new.txt'), 'new')
    const collected = await collectOutputFiles(root, inputs, caps)
    expect(collected).toEqual({
      files: [
        { name: 'changed.txt', size: 5, contentBase64: b64('after'), truncated: false },
        { name: 'out/new.txt', size: 3, contentBase64: b64('new'), truncated: false },
      ],
      filesTruncated: false,
    })
  })

  it('never follows a symlink and never opens a FIFO', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'outside-'))
    try {
      await writeFile(join(outside, 'secret'), 'host secret')
      await symlink(join(outside, 'secret'), join(root, 'link-to-file'))
      await symlink(outside, join(root, 'link-to-dir'))
      execFileSync('mkfifo', [join(root, 'pipe')])
      await writeFile(join(root, 'real.txt'), 'ok')
      const collected = await collectOutputFiles(root, new Map(), caps)
      expect(collected.files.map((f) => f.name)).toEqual(['real.txt'])
    } finally {
      await rm(outside, { recursive: true, force: true })
    }
  })

  it('cuts a file at the per-file cap and marks it truncated', async () => {
    await writeFile(join(root, 'big.txt'), 'x'.repeat(1_500))
    const [file] = (await collectOutputFiles(root, new Map(), caps)).files
    expect(file).toEqual({
      name: 'big.txt',
      size: 1_500,
      contentBase64: b64('x'.repeat(1_000)),
      truncated: true,
    })
  })

  it('stops at the total cap and the file count, and says so', async () => {
    for (const name of ['a', 'b', 'c']) await writeFile(join(root, name), 'y'.repeat(600))
    const byTotal = await collectOutputFiles(root, new Map(), {
      fileBytes: 1_000,
      totalBytes: 1_000,
      files: 10,
    })
    expect(byTotal.files.map((f) => [f.name, f.truncated])).toEqual([
      ['a', false],
      ['b', true],
    ])
    expect(byTotal.filesTruncated).toBe(true)
    const byCount = await collectOutputFiles(root, new Map(), {
      fileBytes: 1_000,
      totalBytes: 10_000,
      files: 2,
    })
    expect(byCount.files.map((f) => f.name)).toEqual(['a', 'b'])
    expect(byCount.filesTruncated).toBe(true)
  })
})
