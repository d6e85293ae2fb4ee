import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, test } from 'vitest'
import { ConfigError } from '../errors.js'
import type { Logger } from '../logger.js'
import { ApiKeys } from './api-keys.js'

const A = 'aaaaaaaaaaaaaaaa-1'
const B = 'bbbbbbbbbbbbbbbb-2'

/** A key file in a fresh directory, owner-only unless the test says otherwise. */
const withKeyFile = test.extend<{
  keyFile: (text: string, mode?: number) => Promise<string>
}>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures take their dependencies by destructuring
  keyFile: async ({}, use) => {
    const dir = await mkdtemp(join(tmpdir(), 'tinyagent-keys-'))
    try {
      await use(async (text, mode = 0o600) => {
        const file = join(dir, 'keys')
        await writeFile(file, text)
        await chmod(file, mode)
        return file
      })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  },
})

/** A logger that keeps its warnings. */
function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = []
  return { warnings, error() {}, warn: (message) => warnings.push(message), info() {}, debug() {} }
}

function accepted(keys: ApiKeys, candidates: readonly string[]): boolean[] {
  return candidates.map((key) => keys.identify(key) !== undefined)
}

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

  withKeyFile(
    'reads keys from the env var and the key file, skipping comment lines and blank lines',
    async ({ keyFile }) => {
      const file = await keyFile(`# operators\n   # indented comment\n\n${B}\n\n`)
      const keys = await ApiKeys.load({ TINYAGENT_SANDBOX_API_KEYS: ` ${A} ,` }, file)
      expect(accepted(keys, [A, B, '# operators', '# indented comment'])).toStrictEqual([
        true,
        true,
        false,
        false,
      ])
    },
  )

  withKeyFile(
    'takes a `#` inside a key as part of it, not as the start of a comment',
    async ({ keyFile }) => {
      const key = 'abcdefghijklmnopq#rstuvwxyz0123456789'
      const file = await keyFile(`${key}\n${B} # ops team\n`)
      const keys = await ApiKeys.load({}, file)
      expect(accepted(keys, [key, 'abcdefghijklmnopq', `${B} # ops team`, B])).toStrictEqual([
        true,
        false,
        true,
        false,
      ])
    },
  )

  withKeyFile('reads a key file with CRLF line endings', async ({ keyFile }) => {
    const file = await keyFile(`# keys\r\n${A}\r\n\r\n${B}\r\n`)
    const keys = await ApiKeys.load({}, file)
    expect(accepted(keys, [A, B, `${A}\r`])).toStrictEqual([true, true, false])
  })

  withKeyFile('trims the whitespace around a key', async ({ keyFile }) => {
    const file = await keyFile(`  \t${A}   \n`)
    const keys = await ApiKeys.load({}, file)
    expect(accepted(keys, [A, `  \t${A}   `])).toStrictEqual([true, false])
  })

  withKeyFile(
    'warns through the logger when group or others may read or write the key file',
    async ({ keyFile }) => {
      const file = await keyFile(`${A}\n`, 0o644)
      const logger = recordingLogger()
      const keys = await ApiKeys.load({}, file, { logger })
      expect(keys.identify(A)).toBeDefined()
      expect(logger.warnings).toStrictEqual([
        `The API key file ${file} (server.api_key_file) is readable or writable by group or others (mode 644); restrict it with \`chmod 600 ${file}\`.`,
      ])
    },
  )

  withKeyFile('says nothing about an owner-only key file', async ({ keyFile }) => {
    const file = await keyFile(`${A}\n`, 0o600)
    const logger = recordingLogger()
    await ApiKeys.load({}, file, { logger })
    expect(logger.warnings).toStrictEqual([])
  })

  it('names server.api_key_file when the file is missing', async () => {
    await expect(ApiKeys.load({}, '/nonexistent/keys')).rejects.toThrow(
      /server\.api_key_file: file not found/,
    )
  })
})
