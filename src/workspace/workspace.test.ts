import { access, mkdtemp, rm, stat } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isMountPoint } from './host-mount.js'
import { Workspace } from './workspace.js'
import { reapWorkspaces } from './workspace-reaper.js'

let root: string
const isRoot = process.getuid?.() === 0

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'workspace-root-'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

const options = (executionId: string, owner = 'host/1') => ({
  root,
  instanceId: 'inst',
  owner,
  executionId,
  sizeMb: 1,
})

describe('Workspace', () => {
  it('is a size-limited tmpfs when running as root, and is gone after dispose', async () => {
    const workspace = await Workspace.create(options('e1'))
    expect(workspace.dir).toBe(join(root, 'inst', 'host_1-e1'))
    expect(workspace.sizeLimited).toBe(isRoot)
    expect(await isMountPoint(workspace.dir)).toBe(isRoot)
    await workspace.writeInputs([{ name: 'a/b.txt', content: Buffer.from('x') }])
    if (isRoot) expect((await stat(join(workspace.dir, 'a', 'b.txt'))).uid).toBe(10001)
    await workspace.dispose()
    expect(await isMountPoint(workspace.dir)).toBe(false)
    await expect(access(workspace.dir)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('is reaped when its owner process is gone, and kept while it lives', async () => {
    const dead = await Workspace.create(options('e2', `${hostname()}/999999`))
    const live = await Workspace.create(options('e3', `${hostname()}/${process.pid}`))
    const removed = await reapWorkspaces({
      root,
      instanceId: 'inst',
      isAlive: (pid) => pid === process.pid,
    })
    expect(removed).toEqual([dead.dir])
    await expect(access(dead.dir)).rejects.toMatchObject({ code: 'ENOENT' })
    await access(live.dir)
    await live.dispose()
  })
})
