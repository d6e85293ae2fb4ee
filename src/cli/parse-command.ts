import { parseArgs } from 'node:util'
import { InvalidArgumentError } from '../errors.js'

export interface ParsedCommand {
  readonly name: string
  readonly positionals: readonly string[]
  readonly values: {
    readonly config?: string
    readonly json?: boolean
    readonly timeout?: string
    readonly file?: readonly string[]
    readonly out?: string
    readonly 'into-existing'?: boolean
    readonly 'allow-dot-files'?: boolean
    readonly all?: boolean
    readonly host?: string
    readonly port?: string
    readonly verbose?: boolean
    readonly help?: boolean
  }
}

const COMMANDS = ['run', 'check', 'doctor', 'reap', 'serve', 'mcp', 'worker', 'image'] as const

const OPTIONS = {
  config: { type: 'string' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
  file: { type: 'string', multiple: true },
  out: { type: 'string' },
  'into-existing': { type: 'boolean' },
  'allow-dot-files': { type: 'boolean' },
  all: { type: 'boolean' },
  host: { type: 'string' },
  port: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const

/** Which options each command accepts; anything else is a usage error, not silently ignored. */
const ACCEPTS: Record<string, readonly string[]> = {
  run: [
    'config',
    'json',
    'timeout',
    'file',
    'out',
    'into-existing',
    'allow-dot-files',
    'verbose',
    'help',
  ],
  check: ['config', 'json', 'verbose', 'help'],
  doctor: ['config', 'json', 'verbose', 'help'],
  reap: ['config', 'all', 'verbose', 'help'],
  serve: ['config', 'host', 'port', 'verbose', 'help'],
  mcp: ['config', 'verbose', 'help'],
  worker: ['config', 'verbose', 'help'],
  image: ['config', 'help'],
  help: ['help'],
}

/** Options that only mean something beside another: alone they are a usage error. */
const NEEDS: Record<string, string> = { 'into-existing': 'out', 'allow-dot-files': 'out' }

const POSITIONALS: Record<string, number> = {
  run: 1,
  check: 1,
  doctor: 0,
  reap: 0,
  serve: 0,
  mcp: 0,
  worker: 0,
  image: 1,
  help: 0,
}

/** Commands whose first argument is an action, and the actions each has. */
const ACTIONS: Record<string, readonly string[]> = { image: ['build'] }

export function parseCommand(argv: readonly string[]): ParsedCommand {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true })
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message)
  }
  const [name = 'help', ...positionals] = parsed.positionals
  if (
    parsed.positionals.length === 0 &&
    parsed.values.help !== true &&
    Object.keys(parsed.values).length > 0
  ) {
    throw new InvalidArgumentError(
      `Expected a command (${COMMANDS.join(', ')}) before the options.`,
    )
  }
  if (name !== 'help' && !(COMMANDS as readonly string[]).includes(name)) {
    throw new InvalidArgumentError(
      `Unknown command \`${name}\`; expected one of: ${COMMANDS.join(', ')}.`,
    )
  }
  const accepted = ACCEPTS[name] ?? []
  const stray = Object.keys(parsed.values).find((option) => !accepted.includes(option))
  if (stray !== undefined)
    throw new InvalidArgumentError(`\`${name}\` does not take \`--${stray}\`.`)
  const lonely = Object.entries(NEEDS).find(
    ([option, needed]) => option in parsed.values && !(needed in parsed.values),
  )
  if (parsed.values.help !== true && lonely !== undefined)
    throw new InvalidArgumentError(
      `\`--${lonely[0]}\` only applies with \`--${lonely[1]}\`; add \`--${lonely[1]}\` or drop it.`,
    )
  if (parsed.values.help !== true && positionals.length > (POSITIONALS[name] ?? 0)) {
    throw new InvalidArgumentError(
      `\`${name}\` takes ${POSITIONALS[name]} argument(s), got ${positionals.length}.`,
    )
  }
  const actions = ACTIONS[name]
  if (
    parsed.values.help !== true &&
    actions !== undefined &&
    !actions.includes(positionals[0] ?? '')
  )
    throw new InvalidArgumentError(
      `\`${name}\` takes an action: ${actions.map((action) => `\`${name} ${action}\``).join(', ')}.`,
    )
  return { name, positionals, values: parsed.values }
}
