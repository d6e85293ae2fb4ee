#!/usr/bin/env node
import { SandboxError } from '../errors.js'
import { checkCommand } from './commands/check.js'
import { doctorCommand } from './commands/doctor.js'
import { reapCommand } from './commands/reap.js'
import { runCommand } from './commands/run.js'
import { EXIT } from './exit-codes.js'
import { HELP } from './help.js'
import { type ParsedCommand, parseCommand } from './parse-command.js'

const COMMANDS: Record<string, (command: ParsedCommand) => Promise<number>> = {
  run: runCommand,
  check: checkCommand,
  doctor: doctorCommand,
  reap: reapCommand,
}

async function main(argv: readonly string[]): Promise<number> {
  try {
    const command = parseCommand(argv)
    const handler = COMMANDS[command.name]
    if (handler === undefined || command.values.help === true) {
      process.stdout.write(HELP)
      return EXIT.ok
    }
    return await handler(command)
  } catch (error) {
    return reportError(error)
  }
}

/** Known errors print their message only; a stack trace would only hide the fix. */
function reportError(error: unknown): number {
  if (error instanceof SandboxError) {
    process.stderr.write(`tinyagent-sandbox: ${error.message}\n`)
    if (error.code === 'invalid_argument')
      process.stderr.write('Run `tinyagent-sandbox --help` for usage.\n')
    return error.code === 'engine_unavailable' || error.code === 'image_missing'
      ? EXIT.engine
      : EXIT.usage
  }
  process.stderr.write(`tinyagent-sandbox: unexpected failure: ${String(error)}\n`)
  return EXIT.executionFailed
}

process.exitCode = await main(process.argv.slice(2))
