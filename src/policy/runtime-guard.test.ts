import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { DEFAULT_ALLOWED_IMPORTS } from './allowed-imports.js'
import { guardSettings } from './runtime-guard.js'
import type { PolicyConfig } from './types.js'

const config = (
  allowed: Partial<PolicyConfig['allowed_operations']> = {},
  dangerous = false,
): PolicyConfig => ({
  allow_dangerous_operations: dangerous,
  allowed_operations: { file_operations: false, os_operations: false, imports: [], ...allowed },
})

describe('guardSettings', () => {
  it('refuses every capability under the defaults and allows only the default imports', () => {
    expect(guardSettings(config())).toEqual({
      files: false,
      os: false,
      subprocess: false,
      network: false,
      ctypes: false,
      pickle: false,
      marshal: false,
      gc: false,
      frames: false,
      imports: [...DEFAULT_ALLOWED_IMPORTS, '__future__'].sort(),
    })
  })

  it('turns the guard off with allow_dangerous_operations', () => {
    expect(guardSettings(config({ file_operations: true }, true))).toBeNull()
  })

  it('allows files with file_operations, and processes and the os import with os_operations', () => {
    const files = guardSettings(config({ file_operations: true }))
    expect(files).toMatchObject({ files: true, os: false, subprocess: false })
    const os = guardSettings(config({ os_operations: true }))
    expect(os).toMatchObject({ files: false, os: true, subprocess: true })
    expect(os?.imports).toContain('os')
  })

  it('lifts each module capability when its module is an allowed import', () => {
    const settings = guardSettings(
      config({ imports: ['subprocess', 'socket', 'ctypes', 'pickle', 'marshal', 'gc', 'sys'] }),
    )
    expect(settings).toMatchObject({
      subprocess: true,
      network: true,
      ctypes: true,
      pickle: true,
      marshal: true,
      gc: true,
      frames: true,
      os: false,
      files: false,
    })
  })

  it('keeps the seed trusted environment: files and os.path, no processes', () => {
    const trusted = guardSettings(
      config({ file_operations: true, imports: ['os.path', 'pathlib'] }),
    )
    expect(trusted).toMatchObject({ files: true, os: false, subprocess: false })
    expect(trusted?.imports).toEqual(expect.arrayContaining(['os.path', 'pathlib']))
    expect(trusted?.imports).not.toContain('os')
  })

  it('does not take a dotted name for its parent: sys.argv listed is not sys', () => {
    expect(guardSettings(config({ imports: ['sys.argv'] }))?.frames).toBe(false)
  })
})

describe('the guard in images/python/guard.py', () => {
  it('reads exactly the settings guardSettings sends', () => {
    const guard = readFileSync(new URL('../../images/python/guard.py', import.meta.url), 'utf8')
    const read = [...guard.matchAll(/settings\.get\("([^"]+)"/g)].map((match) => match[1])
    const sent = Object.keys(guardSettings(config()) ?? {})
    expect(read.sort()).toStrictEqual(sent.sort())
    expect(new Set(read).size).toBe(read.length)
  })
})
