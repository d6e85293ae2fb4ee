import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from './load-config.js'
import { unsafeSourceReason, unsafeTargetReason } from './mount-safety.js'

let dir: string
let server: Server

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mount-safety-'))
  await mkdir(join(dir, 'data'))
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
