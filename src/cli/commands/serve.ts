import { InvalidArgumentError } from '../../errors.js'
import { ApiKeys } from '../../server/api-keys.js'
import { HttpServer } from '../../server/http-server.js'
import { loadContext } from '../cli-context.js'
import { createExecutor } from '../create-executor.js'
import { EXIT } from '../exit-codes.js'
import { packageVersion } from '../package-version.js'
import type { ParsedCommand } from '../parse-command.js'
import { FATAL_GRACE_MS, installProcessGuards } from '../process-guards.js'
import { nextSignal } from '../signals.js'

/**
 * `serve [--host H] [--port P]`: the HTTP API until SIGTERM or SIGINT, then a drain: no new
 * requests, in-flight executions get `server.shutdown_grace_seconds`, every container is
 * removed, exit 0. A second signal cancels what is still running at once.
 */
export async function serveCommand(command: ParsedCommand): Promise<number> {
  // A server logs at the configured level from the start: it has no result to print instead.
  const { config, logger } = await loadContext(command.values.config, true)
  const server = {
    ...config.server,
    ...(command.values.host === undefined ? {} : { host: parseHost(command.values.host) }),
    ...(command.values.port === undefined ? {} : { port: parsePort(command.values.port) }),
  }
  const apiKeys = await ApiKeys.load(process.env, server.api_key_file, { logger })
  const executor = await createExecutor({ config, logger })
  let http: HttpServer | undefined
  // A bug of ours (an unhandled rejection) drains what runs and exits 70, never silently.
  installProcessGuards({
    logger,
    onFatal: () => (http ?? executor).close({ graceMs: FATAL_GRACE_MS }),
  })
  try {
    const version = await packageVersion()
    http = await HttpServer.start({ executor, apiKeys, server, logger, version })
  } catch (error) {
    await executor.close()
    throw listenError(error, server)
  }
  const auth = apiKeys.configured ? 'API keys required' : 'no API keys: loopback only'
  process.stdout.write(`tinyagent-sandbox: listening on ${http.url} (${auth})\n`)
  const signal = await nextSignal()
  logger.info('shutting down', { signal, graceSeconds: server.shutdown_grace_seconds })
  const closed = http.close()
  void nextSignal().then(() => executor.close())
  await closed
  process.stdout.write('tinyagent-sandbox: stopped; no containers left.\n')
  return EXIT.ok
}

function parseHost(value: string): string {
  if (value.trim() === '')
    throw new InvalidArgumentError('Expected `--host` to be an address, got nothing')
  return value
}

function parsePort(value: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidArgumentError(
      `Expected \`--port\` to be an integer from 0 to 65535, got \`${value}\``,
    )
  }
  return port
}

function listenError(error: unknown, server: { host: string; port: number }): unknown {
  const code = (error as NodeJS.ErrnoException).code
  const where = `${server.host}:${server.port}`
  if (code === 'EADDRINUSE')
    return new InvalidArgumentError(
      `Cannot listen on ${where}: the port is in use. Pick another with --port or server.port.`,
    )
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
    return new InvalidArgumentError(
      `Cannot listen on ${where}: no such address on this machine (--host or server.host).`,
    )
  if (code === 'EACCES')
    return new InvalidArgumentError(
      `Cannot listen on ${where}: permission denied; use a port above 1023.`,
    )
  return error
}
