import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.js'
import { ApiKeys } from './api-keys.js'

const A = 'aaaaaaaaaaaaaaaa-1'
const B = 'bbbbbbbbbbbbbbbb-2'

describe('ApiKeys', () => {
  it('identifies a known key by a stable digest prefix and nothing else', () => {
    const keys = ApiKeys.of([A, B])
    expect(keys.configured).toBe(true)
    expect(keys.identify(A)).toMatch(/^key:[0-9a-f]{8}$/)
    expect(keys.identify(A)).toBe(ApiKeys.of([A]).identify(A))
    expect(keys.identify(A)).not.toBe(keys.identify(B))
    expect(keys.identify(`${A}x`)).toBeUndefined()
    expect(keys.identify('')).toBeUndefined()
  })

  it('is not configured without keys', () => {
    expect(ApiKeys.of([]).configured).toBe(false)
  })

  it('refuses a key shorter than 16 characters, saying how to make one', () => {
    expect(() => ApiKeys.of(['short'])).toThrow(ConfigError)
    expect(() => ApiKeys.of(['short'])).toThrow(
      /key 1 is shorter than 16 characters; generate one with `openssl rand -hex 32`/,
    )
  })

  it('reads keys from the env var and the key file, skipping comments and blank lines', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tinyagent-keys-'))
    try {
      const file = join(dir, 'keys')
      await writeFile(file, `# operators\n${B}  # ops team\n\n`)
      const keys = await ApiKeys.load({ TINYAGENT_SANDBOX_API_KEYS: ` ${A} ,` }, file)
      expect([keys.identify(A) !== undefined, keys.identify(B) !== undefined]).toStrictEqual([
        true,
        true,
      ])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('names server.api_key_file when the file is missing', async () => {
    await expect(ApiKeys.load({}, '/nonexistent/keys')).rejects.toThrow(
      /server\.api_key_file: file not found/,
    )
  })
})
