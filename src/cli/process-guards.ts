import type { Logger } from '../logger.js'
import { EXIT } from './exit-codes.js'

export interface ProcessGuardOptions {
  readonly logger: Logger
  /** Drains before the exit: closes the server or sandbox with a short grace, so no container is left. */
  readonly onFatal: () => Promise<void>
  /** How long `onFatal` may take before the process exits anyway. @default 15_000 */
  readonly drainTimeoutMs?: number
}

/** How long in-flight executions may finish when the process goes down on one of our bugs. */
export const FATAL_GRACE_MS = 2_000

const DRAIN_TIMEOUT_MS = 15_000

type Fatal = 'unhandledRejection' | 'uncaughtException'

/**
 * The policy for a long-running process (`serve`, `mcp`) that meets an unhandled rejection
 * or an uncaught exception: that is a bug of ours, and the process's state can no longer be
 * trusted. It is logged with its stack, what runs is drained (`onFatal`), and the process
 * exits with EX_SOFTWARE; a drain that hangs is cut off after `drainTimeoutMs`. Returns a
 * function that removes the guards.
 */
export function installProcessGuards(options: ProcessGuardOptions): () => void {
  const { logger } = options
  let draining = false
  const exit = (): never => process.exit(EXIT.software)
  const on = (kind: Fatal) => (error: unknown) => {
    logger.error(`${kind}: a bug in tinyagent-sandbox; draining, then exiting`, describe(error))
    // A second failure while draining is logged; the drain already under way ends the process.
    if (draining) return
    draining = true
    process.exitCode = EXIT.software
    const cutOff = setTimeout(() => {
      logger.error('the drain did not finish in time; exiting anyway', {})
      exit()
    }, options.drainTimeoutMs ?? DRAIN_TIMEOUT_MS).unref()
    Promise.resolve()
      .then(options.onFatal)
      .catch((drainError: unknown) => logger.error('the drain failed', describe(drainError)))
      .finally(() => {
        clearTimeout(cutOff)
        exit()
      })
  }
  const onRejection = on('unhandledRejection')
  const onException = on('uncaughtException')
  process.on('unhandledRejection', onRejection)
  process.on('uncaughtException', onException)
  return () => {
    process.off('unhandledRejection', onRejection)
    process.off('uncaughtException', onException)
  }
}

function describe(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) }
  return { error: String(error), stack: error.stack }
}
