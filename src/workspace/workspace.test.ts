import { access, lstat, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContainerGone, StoppedContainer } from '../engine/container-proofs.js'
import { Workspace } from './workspace.js'
import { reapWorkspaces } from './workspace-reaper.js'

let root: string
let canary: string
const isRoot = process.getuid?.() === 0

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'workspace-root-'))
  canary = await mkdtemp(join(tmpdir(), 'workspace-canary-'))
  await writeFile(join(canary, 'secret.txt'), 'canary')
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
  await rm(canary, { recursive: true, force: true })
})

const options = (executionId: string, owner = 'host/1') => ({
  root,
  instanceId: 'inst',
  owner,
  executionId,
  sizeMb: 1,
})

async function isMounted(dir: string): Promise<boolean> {
  return (await lstat(dir)).dev !== (await lstat(dirname(dir))).dev
}

/** An engine port that says every container is gone, or none. */
const engine = (gone: boolean) => ({
  containerGone: async (id: string) => (gone ? new ContainerGone(id) : undefined),
})

describe('Workspace', () => {
  it('is a size-limited tmpfs when running as root, and is gone after dispose', async () => {
    const workspace = await Workspace.create(options('e1'))
    expect(workspace.dir).toBe(join(root, 'inst', 'host_1-e1'))
    expect(workspace.sizeLimited).toBe(isRoot)
    expect(await isMounted(workspace.dir)).toBe(isRoot)
    await workspace.writeInputs([{ name: 'a/b.txt', content: Buffer.from('x') }])
    if (isRoot) expect((await stat(join(workspace.dir, 'a', 'b.txt'))).uid).toBe(10001)
    await workspace.dispose(new ContainerGone('e1'))
    await expect(access(workspace.dir)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('reads and removes only with the proofs of its own container', async () => {
    const workspace = await Workspace.create(options('e4'))
    const caps = { fileBytes: 10, totalBytes: 10, files: 1 }
    await expect(workspace.collectOutputs(new StoppedContainer('other'), caps)).rejects.toThrow(
      /offered the container of execution other/,
    )
    await expect(workspace.dispose(new ContainerGone('other'))).rejects.toThrow()
    await access(workspace.dir)
    await workspace.dispose(new ContainerGone('e4'))
  })

  it('removes a plain-directory workspace without following a symlink the code left', async () => {
    const dir = join(root, 'inst', 'host_1-plain')
    await mkdir(join(dir, 'a'), { recursive: true })
    await symlink(canary, join(dir, 'a', 'link'))
    await symlink(canary, join(dir, 'top'))
    const { removeWorkspaceDir } = await import('./workspace.js')
    await removeWorkspaceDir(dir)
    await expect(access(dir)).rejects.toMatchObject({ code: 'ENOENT' })
    expect((await stat(join(canary, 'secret.txt'))).size).toBe(6)
  })

  it('is reaped when its owner is gone and its container too, and kept otherwise', async () => {
    const dead = await Workspace.create(options('e2', `${hostname()}/999999`))
    const live = await Workspace.create(options('e3', `${hostname()}/${process.pid}`))
    const reap = (gone: boolean) =>
      reapWorkspaces({
        root,
        instanceId: 'inst',
        isAlive: (pid) => pid === process.pid,
        engine: engine(gone),
      })
    expect(await reap(false)).toEqual([])
    await access(dead.dir)
    expect(await reap(true)).toEqual([dead.dir])
    await expect(access(dead.dir)).rejects.toMatchObject({ code: 'ENOENT' })
    await access(live.dir)
    await live.dispose(new ContainerGone('e3'))
  })
})
