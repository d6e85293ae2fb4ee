import { createRequire } from 'node:module'

/** What the library logs through: winston's logger, or anything with the same four methods. */
export interface Logger {
  error(message: string, meta?: Record<string, unknown>): void
  warn(message: string, meta?: Record<string, unknown>): void
  info(message: string, meta?: Record<string, unknown>): void
  debug(message: string, meta?: Record<string, unknown>): void
}

/** The library's default: it says nothing unless given a logger. */
export const silentLogger: Logger = {
  error() {},
  warn() {},
  info() {},
  debug() {},
}

export type LogLevel = 'error' | 'warn' | 'info' | 'debug'

/**
 * One JSON line per event on stderr, so stdout stays the program's output. winston is
 * required here, on first use, so that importing the library (silent by default) does not
 * load it.
 */
export function createLogger(level: LogLevel): Logger {
  const winston = createRequire(import.meta.url)('winston') as typeof import('winston')
  return winston.createLogger({
    level,
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [
      new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] }),
    ],
  })
}
