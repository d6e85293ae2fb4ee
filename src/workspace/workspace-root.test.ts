import { chmod, lstat, mkdir, mkdtemp, realpath, rm, stat, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { it as base, describe, expect } from 'vitest'
import { defaultWorkspaceRoot, type PathStats, resolveWorkspaceRoot } from './workspace-root.js'

/** A fresh, private directory per test, by its real path, removed afterwards. */
const it = base.extend<{ dir: string }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
  dir: async ({}, use) => {
    const dir = await realpath(await mkdtemp(join(tmpdir(), 'workspace-root-')))
    try {
      await use(dir)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  },
})

const uid = process.getuid?.() ?? 0

/** The real lstat, except that `path` appears to belong to `owner`. */
const ownedBy =
  (path: string, owner: number) =>
  async (target: string): Promise<PathStats> => {
    const stats = await lstat(target)
    if (target !== path) return stats
    return {
      uid: owner,
      mode: stats.mode,
      isDirectory: () => stats.isDirectory(),
      isSymbolicLink: () => stats.isSymbolicLink(),
    }
  }

const prefix =
  'Invalid configuration in code_execution.workspace_root:\n  code_execution.workspace_root: '

describe('resolveWorkspaceRoot', () => {
  it('returns the real path of a symlinked root', async ({ dir }) => {
    await mkdir(join(dir, 'real'), { mode: 0o700 })
    await symlink(join(dir, 'real'), join(dir, 'link'))
    await expect(resolveWorkspaceRoot(join(dir, 'link'))).resolves.toBe(join(dir, 'real'))
  })

  it('creates a missing last component with mode 0700', async ({ dir }) => {
    await expect(resolveWorkspaceRoot(join(dir, 'ws'))).resolves.toBe(join(dir, 'ws'))
    expect((await stat(join(dir, 'ws'))).mode & 0o7777).toBe(0o700)
  })

  it('refuses a root that group or others may write', async ({ dir }) => {
    await mkdir(join(dir, 'ws'))
    await chmod(join(dir, 'ws'), 0o775)
    await expect(resolveWorkspaceRoot(join(dir, 'ws'))).rejects.toThrow(
      `${prefix}the workspace root ${join(dir, 'ws')} has mode 0775, writable by group or others, who could plant symlinks in it; run \`chmod go-w ${join(dir, 'ws')}\` (0700 is best)`,
    )
  })

  it('refuses a root another user owns', async ({ dir }) => {
    const root = join(dir, 'ws')
    await mkdir(root, { mode: 0o700 })
    await expect(resolveWorkspaceRoot(root, { lstat: ownedBy(root, 4242) })).rejects.toThrow(
      `${prefix}the workspace root ${root} is owned by uid 4242, not by this process (uid ${uid}), so that user decides what is written there; run \`chown ${uid} ${root}\`, or set code_execution.workspace_root to a directory this user owns`,
    )
  })

  it('judges ownership by the injected uid, not by who runs the tests', async ({ dir }) => {
    const root = join(dir, 'ws')
    await mkdir(root, { mode: 0o700 })
    // Every directory above reads as root's, so only the root itself is judged.
    const lstatAsRoot = async (target: string): Promise<PathStats> => {
      const stats = await lstat(target)
      return target === root ? stats : await ownedBy(target, 0)(target)
    }
    const other = uid + 1
    await expect(resolveWorkspaceRoot(root, { uid: other, lstat: lstatAsRoot })).rejects.toThrow(
      `${prefix}the workspace root ${root} is owned by uid ${uid}, not by this process (uid ${other})`,
    )
    await expect(resolveWorkspaceRoot(root, { uid, lstat: lstatAsRoot })).resolves.toBe(root)
  })

  it('refuses a world-writable ancestor without the sticky bit, and accepts one with it', async ({
    dir,
  }) => {
    await mkdir(join(dir, 'shared', 'ws'), { recursive: true, mode: 0o700 })
    await chmod(join(dir, 'shared'), 0o777)
    await expect(resolveWorkspaceRoot(join(dir, 'shared', 'ws'))).rejects.toThrow(
      `${prefix}its ancestor ${join(dir, 'shared')} has mode 0777: writable by group or others without the sticky bit, so another user could rename or replace what lies below it. Run \`chmod go-w ${join(dir, 'shared')}\` (or \`chmod +t ${join(dir, 'shared')}\` for a shared directory), or choose a root elsewhere`,
    )
    await chmod(join(dir, 'shared'), 0o1777)
    await expect(resolveWorkspaceRoot(join(dir, 'shared', 'ws'))).resolves.toBe(
      join(dir, 'shared', 'ws'),
    )
  })

  it('refuses an ancestor another user owns', async ({ dir }) => {
    await mkdir(join(dir, 'theirs', 'ws'), { recursive: true, mode: 0o700 })
    const lstat = ownedBy(join(dir, 'theirs'), 4242)
    await expect(resolveWorkspaceRoot(join(dir, 'theirs', 'ws'), { lstat })).rejects.toThrow(
      `${prefix}its ancestor ${join(dir, 'theirs')} is owned by uid 4242, who could swap what lies below it; every directory above the workspace root must belong to root or to this process (uid ${uid}). Choose a root elsewhere, or \`chown root ${join(dir, 'theirs')}\``,
    )
  })

  it('refuses to follow a symlink another user owns, as one planted in /tmp would be', async ({
    dir,
  }) => {
    await mkdir(join(dir, 'real'), { mode: 0o700 })
    await symlink(join(dir, 'real'), join(dir, 'planted'))
    const lstat = ownedBy(join(dir, 'planted'), 4242)
    await expect(resolveWorkspaceRoot(join(dir, 'planted'), { lstat })).rejects.toThrow(
      `${prefix}the symlink ${join(dir, 'planted')} on the way to the workspace root is owned by uid 4242, who could point it anywhere; set code_execution.workspace_root to the directory it should lead to`,
    )
  })

  it('creates the default root, and the directories above it, with mode 0700', async ({ dir }) => {
    const root = join(dir, 'state', 'tinyagent-sandbox', 'workspaces')
    await expect(resolveWorkspaceRoot(undefined, { defaultRoot: root })).resolves.toBe(root)
    for (const created of [root, join(dir, 'state', 'tinyagent-sandbox'), join(dir, 'state')])
      expect((await stat(created)).mode & 0o7777).toBe(0o700)
  })

  it('says when the refused root is the default', async ({ dir }) => {
    const root = join(dir, 'workspaces')
    await mkdir(root, { mode: 0o700 })
    await expect(
      resolveWorkspaceRoot(undefined, { defaultRoot: root, lstat: ownedBy(root, 4242) }),
    ).rejects.toThrow(
      `${prefix}the workspace root ${root} is owned by uid 4242, not by this process (uid ${uid}), so that user decides what is written there; remove it, so that it is created afresh (code_execution.workspace_root is unset, so the default is used)`,
    )
  })
})

describe('defaultWorkspaceRoot', () => {
  it('is under /var/lib as root, and under the XDG state directory otherwise', () => {
    expect(defaultWorkspaceRoot({ uid: 0 })).toBe('/var/lib/tinyagent-sandbox/workspaces')
    expect(defaultWorkspaceRoot({ uid: 1000, env: { XDG_STATE_HOME: '/s' }, home: '/h' })).toBe(
      '/s/tinyagent-sandbox/workspaces',
    )
    expect(defaultWorkspaceRoot({ uid: 1000, env: {}, home: '/h' })).toBe(
      '/h/.local/state/tinyagent-sandbox/workspaces',
    )
  })

  it('ignores a relative XDG_STATE_HOME, as the XDG spec says', () => {
    expect(defaultWorkspaceRoot({ uid: 1000, env: { XDG_STATE_HOME: 'rel' }, home: '/h' })).toBe(
      '/h/.local/state/tinyagent-sandbox/workspaces',
    )
  })
})
