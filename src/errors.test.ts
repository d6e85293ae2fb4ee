import { describe, expect, it } from 'vitest'
import { ConfigError, SandboxError } from './errors.js'

describe('ConfigError', () => {
  it('names a key once when the source is that key', () => {
    const error = new ConfigError('server.host', [{ path: 'server.host', message: 'refused' }])
    expect(error.message).toBe('Invalid configuration in server.host:\n  server.host: refused')
  })

  it('leads each problem with the file, its line and column, then the key', () => {
    const error = new ConfigError('c.yml', [
      { path: 'a.b', message: 'bad', line: 2, column: 3 },
      { path: 'a.c', message: 'worse' },
      { path: '', message: 'whole' },
    ])
    expect(error.message).toBe(
      'Invalid configuration in c.yml:\n  c.yml:2:3: a.b: bad\n  c.yml: a.c: worse\n  c.yml: whole',
    )
  })

  it('is a SandboxError with the code config_invalid', () => {
    const error = new ConfigError('c.yml', [])
    expect(error).toBeInstanceOf(SandboxError)
    expect(error.code).toBe('config_invalid')
  })
})
