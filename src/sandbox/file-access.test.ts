import { mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ConfigInput, configSchema } from '../config/schema.js'
import { fileAccessEffective, grantFileAccess } from './file-access.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'file-access-'))
  await symlink(dir, `${dir}-link`)
})
afterAll(async () => {
  await rm(`${dir}-link`, { force: true })
  await rm(dir, { recursive: true, force: true })
})

const settings = (codeExecution: ConfigInput['code_execution']) =>
  configSchema.parse({ code_execution: codeExecution }).code_execution

describe('file access', () => {
  it('is off by default, so no grant and no mount can exist', () => {
    const mounts = [{ source: `${dir}-link`, target: '/mnt/data' }]
    expect(fileAccessEffective(settings({}))).toBe(false)
    expect(grantFileAccess(settings({ mounts }), '/ws')).toBeUndefined()
  })

  it('is granted by file_operations, and by allow_dangerous_operations as the seed says', () => {
    expect(fileAccessEffective(settings({ allowed_operations: { file_operations: true } }))).toBe(
      true,
    )
    expect(fileAccessEffective(settings({ allow_dangerous_operations: true }))).toBe(true)
  })

  it('resolves mount sources again when granting', () => {
    const grant = grantFileAccess(
      settings({
        allowed_operations: { file_operations: true },
        mounts: [{ source: `${dir}-link`, target: '/mnt/data', read_only: false }],
      }),
      '/ws',
    )
    expect(grant).toEqual({
      workspaceDir: '/ws',
      mounts: [{ source: dir, target: '/mnt/data', readOnly: false }],
    })
  })
})
