import type { SandboxConfig } from '../config/schema.js'
import { ConfigError } from '../errors.js'

/** Overrides `queue.url`, so the password need not be written in config.yml. */
export const QUEUE_URL_ENV = 'TINYAGENT_SANDBOX_QUEUE_URL'

/** The queue's Redis URL, or undefined for single-host mode. */
export function queueUrl(
  config: SandboxConfig,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const fromEnv = env[QUEUE_URL_ENV]
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!/^rediss?:\/\/\S+$/.test(fromEnv))
      throw new ConfigError(`the environment variable ${QUEUE_URL_ENV}`, [
        { path: '', message: 'expected a redis:// or rediss:// URL' },
      ])
    return fromEnv
  }
  return config.queue.url
}
