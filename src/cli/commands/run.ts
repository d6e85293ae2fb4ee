import { InvalidArgumentError } from '../../errors.js'
import type { ExecutionResult } from '../../sandbox/execution-result.js'
import { loadContext } from '../cli-context.js'
import { createExecutor } from '../create-executor.js'
import { EXIT, exitCodeFor } from '../exit-codes.js'
import { formatHumanResult } from '../format-result.js'
import { readInputFiles } from '../input-files.js'
import type { ParsedCommand } from '../parse-command.js'
import { readSource } from '../read-source.js'
import { terminalSafeJson } from '../terminal-text.js'
import { artifactFiles } from '../write-artifacts.js'
import { checkOutputDir, type OutputFileOptions, writeOutputFiles } from '../write-output-files.js'

/**
 * `run [--json] [--timeout S] [--file NAME=PATH]... [--out DIR [--into-existing]
 * [--allow-dot-files]] FILE|-`: one script, one fresh container.
 */
export async function runCommand(command: ParsedCommand): Promise<number> {
  const code = await readSource(command.positionals[0])
  const timeoutSeconds = parseTimeout(command.values.timeout)
  const files = await readInputFiles(command.values.file ?? [])
  const out = command.values.out
  const outOptions: OutputFileOptions = {
    intoExisting: command.values['into-existing'] === true,
    allowDotFiles: command.values['allow-dot-files'] === true,
  }
  if (out !== undefined) await checkOutputDir(out, outOptions)
  const { config, logger } = await loadContext(
    command.values.config,
    command.values.verbose === true,
  )
  // One execution: a warm pool would only start containers nobody uses.
  const executor = await createExecutor({
    config: { ...config, pool: { ...config.pool, size: 0 } },
    logger,
  })
  const controller = new AbortController()
  const interrupt = (): void => controller.abort()
  process.once('SIGINT', interrupt)
  process.once('SIGTERM', interrupt)
  try {
    const result = await executor.execute({
      code,
      ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
      ...(files.length === 0 ? {} : { files }),
      signal: controller.signal,
    })
    // One call for everything, so names are checked together and a refusal writes nothing.
    const written =
      out === undefined
        ? []
        : await writeOutputFiles(out, [...result.files, ...artifactFiles(result)], outOptions)
    if (command.values.json === true) process.stdout.write(`${terminalSafeJson(result)}\n`)
    else printHuman(result, written, out)
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
    await executor.close()
  }
}

function printHuman(
  result: ExecutionResult,
  written: readonly string[],
  outDir: string | undefined,
): void {
  const text = formatHumanResult(result, written, outDir, {
    stdout: process.stdout.isTTY === true,
    stderr: process.stderr.isTTY === true,
  })
  process.stdout.write(text.stdout)
  process.stderr.write(text.stderr)
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
