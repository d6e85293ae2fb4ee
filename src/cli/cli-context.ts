import { access } from 'node:fs/promises'
import { DEFAULT_CONFIG_PATH, loadConfigFile } from '../config/load-config.js'
import { configSchema, type SandboxConfig } from '../config/schema.js'
import { createLogger, type Logger } from '../logger.js'

/** What every command shares: the loaded config and a logger on stderr. */
export interface CliContext {
  readonly config: SandboxConfig
  readonly logger: Logger
}

/**
 * One-shot commands log warnings only, so their stderr stays readable; `--verbose` uses
 * the config's `logging.level`.
 */
export async function loadContext(
  configPath: string | undefined,
  verbose: boolean,
): Promise<CliContext> {
  const config = await loadConfig(configPath)
  return { config, logger: createLogger(verbose ? config.logging.level : 'warn') }
}

/** An explicit `--config` must exist; without one, ./config.yml is read if present, else the secure defaults. */
async function loadConfig(configPath: string | undefined): Promise<SandboxConfig> {
  if (configPath !== undefined) return loadConfigFile(configPath)
  const present = await access(DEFAULT_CONFIG_PATH).then(
    () => true,
    () => false,
  )
  return present ? loadConfigFile(DEFAULT_CONFIG_PATH) : configSchema.parse({})
}
