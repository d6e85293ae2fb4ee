import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from './load-config.js'
import {
  nestedSourceProblems,
  unsafeSourceReason,
  unsafeTargetReason,
  workspaceRootProblems,
} from './mount-safety.js'

let dir: string
let server: Server

beforeAll(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'mount-safety-')))
  await mkdir(join(dir, 'data'))
  await mkdir(join(dir, 'outer', 'inner'), { recursive: true })
  await symlink(join(dir, 'outer', 'inner'), join(dir, 'inner-link'))
  await writeFile(join(dir, 'data', 'x.csv'), 'a\n1\n')
  await symlink('/etc', join(dir, 'etc-link'))
  await mkdir(join(dir, 'with-socket', 'deep'), { recursive: true })
  server = createServer()
  await new Promise<void>((resolve) =>
    server.listen(join(dir, 'with-socket', 'deep', 'svc.sock'), resolve),
  )
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
  await rm(dir, { recursive: true, force: true })
})

describe('unsafeSourceReason', () => {
  it('accepts an ordinary data directory', () => {
    expect(unsafeSourceReason(join(dir, 'data'))).toBeUndefined()
  })

  it.each(['/', '/etc', '/proc', '/sys', '/dev', '/run', '/var/run', '/root', '/home'])(
    'refuses %s',
    (path) => {
      expect(unsafeSourceReason(path)).toMatch(
        /^refused: it is or contains the sensitive host path/,
      )
    },
  )

  it('refuses a directory that contains a sensitive path, such as /var', () => {
    expect(unsafeSourceReason('/var')).toBe(
      'refused: it is or contains the sensitive host path /var/run',
    )
  })

  it('refuses paths inside sensitive ones', () => {
    expect(unsafeSourceReason('/etc/ssl')).toBe('refused: it is inside /etc')
  })

  it('resolves symlinks before deciding', () => {
    expect(unsafeSourceReason(join(dir, 'etc-link'))).toBe(
      'refused: it is or contains the sensitive host path /etc (resolves to /etc)',
    )
  })

  it('refuses a directory holding a socket anywhere below it', () => {
    expect(unsafeSourceReason(join(dir, 'with-socket'))).toBe(
      `refused: it contains a socket (${join(dir, 'with-socket', 'deep', 'svc.sock')}), which could reach a host service`,
    )
  })

  it('refuses missing and relative sources', () => {
    expect(unsafeSourceReason(join(dir, 'missing'))).toBe('no such file or directory on the host')
    expect(unsafeSourceReason('data')).toBe('expected an absolute host path')
  })
})

describe('unsafeTargetReason', () => {
  it('accepts a normalised path under /mnt/', () => {
    expect(unsafeTargetReason('/mnt/data')).toBeUndefined()
  })

  it.each([
    ['/workspace', 'expected a path under /mnt/, such as /mnt/data'],
    ['/etc/x', 'expected a path under /mnt/, such as /mnt/data'],
    ['/mnt/../etc', 'expected a normalised path without `..`, `.`, `//` or a trailing slash'],
    ['/mnt/data/', 'expected a normalised path without `..`, `.`, `//` or a trailing slash'],
  ])('refuses %s', (target, reason) => {
    expect(unsafeTargetReason(target)).toBe(reason)
  })
})

describe('code_execution.mounts in config', () => {
  it('reads a safe mount, read-only by default', () => {
    const config = parseConfig(
      `code_execution:\n  mounts:\n    - { source: ${join(dir, 'data')}, target: /mnt/data }\n`,
    )
    expect(config.code_execution.mounts).toEqual([
      { source: join(dir, 'data'), target: '/mnt/data', read_only: true },
    ])
  })

  it('refuses a workspace root inside a mount source at load, naming both keys', () => {
    const text = [
      'code_execution:',
      '  mounts:',
      `    - { source: ${join(dir, 'outer')}, target: /mnt/outer }`,
      `  workspace_root: ${join(dir, 'outer', 'inner')}`,
    ].join('\n')
    expect(() => parseConfig(text, 'c.yml')).toThrow(
      `  c.yml:4:19: code_execution.workspace_root: refused: it lies inside code_execution.mounts[0].source (${join(dir, 'outer')}), so code given that mount could reach other executions' workspaces; choose a workspace root outside every mount source, got the string "${join(dir, 'outer', 'inner')}"`,
    )
  })

  it('refuses unsafe mounts at load, naming the key, line and column', () => {
    const text = 'code_execution:\n  mounts:\n    - source: /etc\n      target: /opt/etc\n'
    expect(() => parseConfig(text, 'c.yml')).toThrow(
      [
        'Invalid configuration in c.yml:',
        '  c.yml:3:15: code_execution.mounts[0].source: refused: it is or contains the sensitive host path /etc, got the string "/etc"',
        '  c.yml:4:15: code_execution.mounts[0].target: expected a path under /mnt/, such as /mnt/data, got the string "/opt/etc"',
      ].join('\n'),
    )
  })
})

describe('nestedSourceProblems', () => {
  const at = (source: string, readOnly = true) => ({
    source: join(dir, source),
    read_only: readOnly,
  })

  it('accepts read-only sources inside each other, and a writable one inside a read-only one', () => {
    expect(nestedSourceProblems([at('outer'), at('outer/inner')])).toEqual([])
    expect(nestedSourceProblems([at('outer'), at('outer/inner', false)])).toEqual([])
    expect(nestedSourceProblems([at('data', false), at('outer', false)])).toEqual([])
  })

  it('refuses a source inside a writable one, in either order, judged by resolved paths', () => {
    const message = `refused: it lies inside code_execution.mounts[1].source (${join(dir, 'outer')}), which is writable, so code could replace it with a symlink between executions; mount each directory once, or set code_execution.mounts[1].read_only: true`
    expect(nestedSourceProblems([at('inner-link'), at('outer', false)])).toEqual([
      { path: ['mounts', 0, 'source'], input: join(dir, 'inner-link'), message },
    ])
    expect(nestedSourceProblems([at('outer', false), at('inner-link')])).toEqual([
      {
        path: ['mounts', 1, 'source'],
        input: join(dir, 'inner-link'),
        message: message.replaceAll('mounts[1]', 'mounts[0]'),
      },
    ])
  })

  it('refuses the same directory twice when either is writable, once per pair', () => {
    expect(nestedSourceProblems([at('data', false), at('data', false)])).toEqual([
      {
        path: ['mounts', 1, 'source'],
        input: join(dir, 'data'),
        message: `refused: it is the same directory as code_execution.mounts[0].source (${join(dir, 'data')}), which is writable, so code could replace it with a symlink between executions; mount each directory once, or set code_execution.mounts[0].read_only: true`,
      },
    ])
    expect(nestedSourceProblems([at('data'), at('data', false)])).toHaveLength(1)
    expect(nestedSourceProblems([at('data'), at('data')])).toEqual([])
  })
})

describe('workspaceRootProblems', () => {
  const outer = () => [{ source: join(dir, 'outer'), read_only: true }]

  it('accepts a root apart from every source, existing or not', () => {
    expect(workspaceRootProblems(join(dir, 'data', 'not-yet', 'ws'), true, outer())).toEqual([])
  })

  it('refuses a configured root inside a source, even one not made yet', () => {
    expect(workspaceRootProblems(join(dir, 'outer', 'ws'), true, outer())).toEqual([
      {
        path: ['workspace_root'],
        input: join(dir, 'outer', 'ws'),
        message: `refused: it lies inside code_execution.mounts[0].source (${join(dir, 'outer')}), so code given that mount could reach other executions' workspaces; choose a workspace root outside every mount source`,
      },
    ])
  })

  it('refuses a source inside the root, and a source over the default root', () => {
    expect(workspaceRootProblems(dir, true, outer())).toEqual([
      {
        path: ['mounts', 0, 'source'],
        input: join(dir, 'outer'),
        message: `refused: it lies inside code_execution.workspace_root (${dir}), where the orchestrator creates and removes workspaces; mount a directory outside it`,
      },
    ])
    expect(workspaceRootProblems(join(dir, 'outer', 'inner'), false, outer())).toEqual([
      {
        path: ['mounts', 0, 'source'],
        input: join(dir, 'outer'),
        message: `refused: it contains the default workspace root ${join(dir, 'outer', 'inner')} (code_execution.workspace_root is unset), so code given this mount could reach other executions' workspaces; mount a narrower directory, or set code_execution.workspace_root outside every mount source`,
      },
    ])
  })
})
