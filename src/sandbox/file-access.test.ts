import { mkdir, mkdtemp, realpath, rename, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { it as base, describe, expect } from 'vitest'
import { parseConfig } from '../config/load-config.js'
import { type ConfigInput, configSchema } from '../config/schema.js'
import { fileAccessEffective, grantFileAccess, verifiedMountSources } from './file-access.js'

/** A fresh directory per test, by its real path (messages name resolved paths), removed afterwards. */
const it = base.extend<{ dir: string }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
  dir: async ({}, use) => {
    const dir = await realpath(await mkdtemp(join(tmpdir(), 'file-access-')))
    try {
      await use(dir)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  },
})

const settings = (codeExecution: ConfigInput['code_execution']) =>
  configSchema.parse({ code_execution: codeExecution }).code_execution

const withFiles = (mounts: NonNullable<ConfigInput['code_execution']>['mounts']) =>
  settings({ allowed_operations: { file_operations: true }, mounts })

describe('file access', () => {
  it('is off by default, so no grant and no mount can exist', async ({ dir }) => {
    await mkdir(join(dir, 'data'))
    const closed = settings({ mounts: [{ source: join(dir, 'data'), target: '/mnt/data' }] })
    expect(fileAccessEffective(settings({}))).toBe(false)
    expect(grantFileAccess(closed, verifiedMountSources(closed), '/ws')).toBeUndefined()
  })

  it('is granted by file_operations, and by allow_dangerous_operations as the seed says', () => {
    expect(fileAccessEffective(settings({ allowed_operations: { file_operations: true } }))).toBe(
      true,
    )
    expect(fileAccessEffective(settings({ allow_dangerous_operations: true }))).toBe(true)
  })

  it('binds the source as resolved at start-up, never the configured symlink', async ({ dir }) => {
    await mkdir(join(dir, 'data'))
    await symlink(join(dir, 'data'), join(dir, 'link'))
    const open = withFiles([{ source: join(dir, 'link'), target: '/mnt/data', read_only: false }])
    const mounts = verifiedMountSources(open)
    await rm(join(dir, 'link'))
    await mkdir(join(dir, 'elsewhere'))
    await symlink(join(dir, 'elsewhere'), join(dir, 'link'))
    expect(grantFileAccess(open, mounts, '/ws')).toEqual({
      workspaceDir: '/ws',
      mounts: [{ source: join(dir, 'data'), target: '/mnt/data', readOnly: false }],
    })
  })
})

describe('mount sources swapped after start-up', () => {
  it('refuses at load a source inside a writable source, the way the swap was set up', async ({
    dir,
  }) => {
    await mkdir(join(dir, 'a', 'b'), { recursive: true })
    const text = [
      'code_execution:',
      '  allowed_operations: { file_operations: true }',
      '  mounts:',
      `    - { source: ${join(dir, 'a')}, target: /mnt/a, read_only: false }`,
      `    - { source: ${join(dir, 'a', 'b')}, target: /mnt/b }`,
    ].join('\n')
    expect(() => parseConfig(text, 'c.yml')).toThrow(
      `c.yml:5:17: code_execution.mounts[1].source: refused: it lies inside code_execution.mounts[0].source (${join(dir, 'a')}), which is writable, so code could replace it with a symlink between executions; mount each directory once, or set code_execution.mounts[0].read_only: true, got the string "${join(dir, 'a', 'b')}"`,
    )
  })

  it('refuses a nested writable pair at start-up too, whoever built the settings', async ({
    dir,
  }) => {
    await mkdir(join(dir, 'a', 'b'), { recursive: true })
    const checked = withFiles([
      { source: join(dir, 'a'), target: '/mnt/a' },
      { source: join(dir, 'a', 'b'), target: '/mnt/b' },
    ])
    const [outer, inner] = checked.mounts as [
      (typeof checked.mounts)[0],
      (typeof checked.mounts)[0],
    ]
    const handBuilt = { ...checked, mounts: [{ ...outer, read_only: false }, inner] }
    expect(() => verifiedMountSources(handBuilt)).toThrow(
      `Invalid configuration in code_execution.mounts[1].source:\n  code_execution.mounts[1].source: refused: it lies inside code_execution.mounts[0].source (${join(dir, 'a')}), which is writable`,
    )
  })

  it('refuses the grant when the source directory became a symlink to another', async ({ dir }) => {
    await mkdir(join(dir, 'data'))
    await mkdir(join(dir, 'refused-at-load'))
    const open = withFiles([{ source: join(dir, 'data'), target: '/mnt/data' }])
    const mounts = verifiedMountSources(open)
    await rm(join(dir, 'data'), { recursive: true })
    await symlink(join(dir, 'refused-at-load'), join(dir, 'data'))
    expect(() => grantFileAccess(open, mounts, '/ws')).toThrow(
      `Invalid configuration in code_execution.mounts[0].source:\n  code_execution.mounts[0].source: ${join(dir, 'data')} has changed since start-up (it is a symlink now), so it is not what was checked and the execution is refused; restart the orchestrator to check it again`,
    )
  })

  it('refuses the grant when a directory above the source became a symlink, even to the same place', async ({
    dir,
  }) => {
    await mkdir(join(dir, 'parent', 'data'), { recursive: true })
    const open = withFiles([{ source: join(dir, 'parent', 'data'), target: '/mnt/data' }])
    const mounts = verifiedMountSources(open)
    await rename(join(dir, 'parent'), join(dir, 'moved'))
    await symlink(join(dir, 'moved'), join(dir, 'parent'))
    expect(() => grantFileAccess(open, mounts, '/ws')).toThrow(
      `code_execution.mounts[0].source: ${join(dir, 'parent', 'data')} has changed since start-up (a directory above it is a symlink now; it resolves to ${join(dir, 'moved', 'data')})`,
    )
  })

  it('refuses the grant when the source was removed and made again (a new inode)', async ({
    dir,
  }) => {
    await mkdir(join(dir, 'data'))
    const open = withFiles([{ source: join(dir, 'data'), target: '/mnt/data' }])
    const mounts = verifiedMountSources(open)
    // Moved aside rather than deleted, so the new directory cannot reuse the old inode number.
    await rename(join(dir, 'data'), join(dir, 'old'))
    await mkdir(join(dir, 'data'))
    expect(() => grantFileAccess(open, mounts, '/ws')).toThrow(
      `code_execution.mounts[0].source: ${join(dir, 'data')} has changed since start-up (it is another file now: removed and made again, or replaced)`,
    )
  })

  it('refuses the grant when the source is gone', async ({ dir }) => {
    await mkdir(join(dir, 'data'))
    const open = withFiles([{ source: join(dir, 'data'), target: '/mnt/data' }])
    const mounts = verifiedMountSources(open)
    await rm(join(dir, 'data'), { recursive: true })
    expect(() => grantFileAccess(open, mounts, '/ws')).toThrow(
      `code_execution.mounts[0].source: ${join(dir, 'data')} has changed since start-up (it is gone: ENOENT)`,
    )
  })

  it('grants the same sources again while nothing changed', async ({ dir }) => {
    await mkdir(join(dir, 'data'))
    const open = withFiles([{ source: join(dir, 'data'), target: '/mnt/data' }])
    const mounts = verifiedMountSources(open)
    for (const workspaceDir of ['/ws1', '/ws2']) {
      expect(grantFileAccess(open, mounts, workspaceDir)?.mounts).toEqual([
        { source: join(dir, 'data'), target: '/mnt/data', readOnly: true },
      ])
    }
  })
})
