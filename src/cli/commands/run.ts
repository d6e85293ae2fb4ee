import { InvalidArgumentError } from '../../errors.js'
import { Sandbox } from '../../sandbox/sandbox.js'
import { loadContext } from '../cli-context.js'
import { EXIT, exitCodeFor } from '../exit-codes.js'
import { formatViolation, statusLine } from '../format-result.js'
import type { ParsedCommand } from '../parse-command.js'
import { readSource } from '../read-source.js'

/** `run [--json] [--timeout S] FILE|-`: executes a script in a fresh container. */
export async function runCommand(command: ParsedCommand): Promise<number> {
  const code = await readSource(command.positionals[0])
  const timeoutSeconds = parseTimeout(command.values.timeout)
  const { config, logger } = await loadContext(
    command.values.config,
    command.values.verbose === true,
  )
  const sandbox = await Sandbox.create({ config, logger })
  const controller = new AbortController()
  const interrupt = (): void => controller.abort()
  process.once('SIGINT', interrupt)
  process.once('SIGTERM', interrupt)
  try {
    const result = await sandbox.execute({
      code,
      ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
      signal: controller.signal,
    })
    if (command.values.json === true) {
      process.stdout.write(`${JSON.stringify(result)}\n`)
    } else {
      process.stdout.write(result.stdout)
      process.stderr.write(result.stderr)
      if (result.violations.length > 0)
        process.stderr.write(`${result.violations.map(formatViolation).join('\n')}\n`)
      // A traceback on stderr already says what the message would.
      const explained = result.error !== null && result.error.traceback !== ''
      if (result.message !== null && !explained) process.stderr.write(`${result.message}\n`)
      process.stderr.write(`${statusLine(result)}\n`)
    }
    return exitCodeFor(result.status)
  } catch (error) {
    if (controller.signal.aborted) {
      process.stderr.write('[tinyagent-sandbox] interrupted; the container was removed.\n')
      return EXIT.interrupted
    }
    throw error
  } finally {
    process.off('SIGINT', interrupt)
    process.off('SIGTERM', interrupt)
    await sandbox.close()
  }
}

function parseTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const seconds = Number(value)
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new InvalidArgumentError(
      `Expected \`--timeout\` to be a positive number of seconds, got \`${value}\``,
    )
  }
  return seconds
}
