#!/usr/bin/env node
import { SandboxError } from '../errors.js'
import { EXIT, exitCodeForError } from './exit-codes.js'
import { HELP } from './help.js'
import { type ParsedCommand, parseCommand } from './parse-command.js'
import { escapeControlCharacters } from './terminal-text.js'

type Command = (command: ParsedCommand) => Promise<number>

/** Loaded on demand: `check` and `--help` never pay for dockerode's start-up. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./commands/run.js')).runCommand,
  check: async () => (await import('./commands/check.js')).checkCommand,
  doctor: async () => (await import('./commands/doctor.js')).doctorCommand,
  reap: async () => (await import('./commands/reap.js')).reapCommand,
  serve: async () => (await import('./commands/serve.js')).serveCommand,
  worker: async () => (await import('./commands/worker.js')).workerCommand,
  mcp: async () => (await import('./commands/mcp.js')).mcpCommand,
  image: async () => (await import('./commands/image.js')).imageCommand,
}

async function main(argv: readonly string[]): Promise<number> {
  try {
    const command = parseCommand(argv)
    const load = COMMANDS[command.name]
    if (load === undefined || command.values.help === true) {
      process.stdout.write(HELP)
      return EXIT.ok
    }
    return await (await load())(command)
  } catch (error) {
    return reportError(error)
  }
}

/** Known errors print their message only; a stack trace would only hide the fix. */
function reportError(error: unknown): number {
  if (error instanceof SandboxError) {
    // The message may quote a name that came from the sandbox (a returned file's).
    const message = process.stderr.isTTY ? escapeControlCharacters(error.message) : error.message
    process.stderr.write(`tinyagent-sandbox: ${message}\n`)
    if (error.code === 'invalid_argument')
      process.stderr.write('Run `tinyagent-sandbox --help` for usage.\n')
  } else {
    process.stderr.write(`tinyagent-sandbox: unexpected failure: ${String(error)}\n`)
  }
  return exitCodeForError(error)
}

process.exitCode = await main(process.argv.slice(2))
