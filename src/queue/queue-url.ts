import type { SandboxConfig } from '../config/schema.js'

/** Overrides `queue.url`, so the password need not be written in config.yml. */
export const QUEUE_URL_ENV = 'TINYAGENT_SANDBOX_QUEUE_URL'

/** The queue's Redis URL, or undefined for single-host mode. */
export function queueUrl(
  config: SandboxConfig,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const fromEnv = env[QUEUE_URL_ENV]
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  return config.queue.url
}
