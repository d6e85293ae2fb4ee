import { createHash, timingSafeEqual } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { ConfigError } from '../errors.js'

/** Shorter keys are refused: a guessable key is worse than a loud start-up error. */
const MIN_KEY_LENGTH = 16
export const API_KEYS_ENV = 'TINYAGENT_SANDBOX_API_KEYS'

/**
 * The accepted API keys, held only as SHA-256 digests. A token is compared against every
 * digest in constant time, so neither timing nor an early exit tells which key was close.
 */
export class ApiKeys {
  readonly #digests: readonly Buffer[]

  private constructor(digests: readonly Buffer[]) {
    this.#digests = digests
  }

  /** Keys given directly; each must be at least 16 characters. */
  static of(keys: readonly string[], source = 'the API keys'): ApiKeys {
    const short = keys.findIndex((key) => key.length < MIN_KEY_LENGTH)
    if (short !== -1) {
      throw new ConfigError(source, [
        {
          path: '',
          message: `key ${short + 1} is shorter than ${MIN_KEY_LENGTH} characters; generate one with \`openssl rand -hex 32\``,
        },
      ])
    }
    return new ApiKeys([...new Set(keys)].map(digest))
  }

  /** Keys from `TINYAGENT_SANDBOX_API_KEYS` (comma-separated) and from `server.api_key_file`. */
  static async load(env: NodeJS.ProcessEnv, file: string | undefined): Promise<ApiKeys> {
    const fromEnv = (env[API_KEYS_ENV] ?? '').split(',').map((key) => key.trim())
    const fromFile = file === undefined ? [] : await readKeyFile(file)
    return ApiKeys.of(
      [...fromEnv, ...fromFile].filter((key) => key !== ''),
      `${API_KEYS_ENV} or server.api_key_file`,
    )
  }

  get configured(): boolean {
    return this.#digests.length > 0
  }

  /** A stable, non-secret name for the key a token matches (for quotas and logs), or undefined. */
  identify(token: string): string | undefined {
    const presented = digest(token)
    let match: Buffer | undefined
    for (const known of this.#digests) {
      if (timingSafeEqual(presented, known)) match = known
    }
    return match === undefined ? undefined : `key:${match.subarray(0, 4).toString('hex')}`
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest()
}

async function readKeyFile(file: string): Promise<string[]> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason =
      code === 'ENOENT' ? 'file not found' : `cannot read it (${code ?? 'unknown error'})`
    throw new ConfigError(file, [{ path: 'server.api_key_file', message: reason }])
  }
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '')
}
