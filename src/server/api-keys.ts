import { createHash, timingSafeEqual } from 'node:crypto'
import { open } from 'node:fs/promises'
import { ConfigError } from '../errors.js'
import { type Logger, silentLogger } from '../logger.js'

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

  /**
   * Keys from `TINYAGENT_SANDBOX_API_KEYS` (comma-separated) and from `server.api_key_file`:
   * one key per line, the whole line less surrounding whitespace; a line whose first
   * non-blank character is `#` is a comment. A key file that group or others may read or
   * write is used, with a warning through `logger`.
   */
  static async load(
    env: NodeJS.ProcessEnv,
    file: string | undefined,
    options: {
      /** Gets the key file's permission warning. @default silent */
      readonly logger?: Logger
    } = {},
  ): Promise<ApiKeys> {
    const fromEnv = (env[API_KEYS_ENV] ?? '').split(',').map((key) => key.trim())
    const fromFile =
      file === undefined ? [] : await readKeyFile(file, options.logger ?? silentLogger)
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

async function readKeyFile(file: string, logger: Logger): Promise<string[]> {
  let text: string
  let mode: number
  try {
    // One descriptor for the mode and the text, so both describe the same file.
    const handle = await open(file, 'r')
    try {
      mode = (await handle.stat()).mode
      text = await handle.readFile('utf8')
    } finally {
      await handle.close()
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason =
      code === 'ENOENT' ? 'file not found' : `cannot read it (${code ?? 'unknown error'})`
    throw new ConfigError(file, [{ path: 'server.api_key_file', message: reason }])
  }
  const permissionWarning = keyFilePermissionWarning(file, mode)
  if (permissionWarning !== undefined) logger.warn(permissionWarning, { file })
  return parseKeyFile(text)
}

/**
 * One key per line, the whole line less surrounding whitespace (CRLF endings included): a
 * `#` inside a key is part of it. Only a line that starts with `#`, after optional
 * whitespace, is a comment; blank lines are skipped.
 */
function parseKeyFile(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
}

/** A key file others can read leaks the keys; one they can write lets them add their own. */
function keyFilePermissionWarning(file: string, mode: number): string | undefined {
  // Windows has no group/other bits; Node reports a made-up mode there.
  if (process.platform === 'win32' || (mode & 0o077) === 0) return undefined
  const octal = (mode & 0o777).toString(8).padStart(3, '0')
  return `The API key file ${file} (server.api_key_file) is readable or writable by group or others (mode ${octal}); restrict it with \`chmod 600 ${file}\`.`
}
