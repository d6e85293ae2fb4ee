import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../errors.js'
import { type ParsedCommand, parseCommand } from './parse-command.js'

/** parseArgs returns a null-prototype `values`; copy it so toStrictEqual compares content only. */
function parsed(argv: readonly string[]): ParsedCommand {
  const command = parseCommand(argv)
  return { ...command, values: { ...command.values } }
}

/** Runs parseCommand on input it must refuse and returns the error's message. */
function refusal(argv: readonly string[]): string {
  try {
    parseCommand(argv)
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError)
    expect((error as InvalidArgumentError).code).toBe('invalid_argument')
    return (error as Error).message
  }
  throw new Error(`expected ${JSON.stringify(argv)} to be refused`)
}

describe('parseCommand', () => {
  it('defaults to help when no command is given', () => {
    expect(parsed([])).toStrictEqual({ name: 'help', positionals: [], values: {} })
  })

  it('reads --help and -h alone as help', () => {
    expect(parsed(['--help'])).toStrictEqual({
      name: 'help',
      positionals: [],
      values: { help: true },
    })
    expect(parsed(['-h'])).toStrictEqual({
      name: 'help',
      positionals: [],
      values: { help: true },
    })
  })

  it('parses run with a script path', () => {
    expect(parsed(['run', 'script.py'])).toStrictEqual({
      name: 'run',
      positionals: ['script.py'],
      values: {},
    })
  })

  it('parses run with every option it takes', () => {
    expect(
      parsed(['run', '--json', '--timeout', '2.5', '--config', 'c.yml', '-v', 'script.py']),
    ).toStrictEqual({
      name: 'run',
      positionals: ['script.py'],
      values: { json: true, timeout: '2.5', config: 'c.yml', verbose: true },
    })
  })

  it('parses --out with --into-existing and --allow-dot-files', () => {
    expect(
      parsed(['run', '--out', 'results', '--into-existing', '--allow-dot-files', 'script.py']),
    ).toStrictEqual({
      name: 'run',
      positionals: ['script.py'],
      values: { out: 'results', 'into-existing': true, 'allow-dot-files': true },
    })
  })

  it('refuses --into-existing and --allow-dot-files without --out, naming both', () => {
    expect(refusal(['run', '--into-existing', 'a.py'])).toBe(
      '`--into-existing` only applies with `--out`; add `--out` or drop it.',
    )
    expect(refusal(['run', '--allow-dot-files', 'a.py'])).toBe(
      '`--allow-dot-files` only applies with `--out`; add `--out` or drop it.',
    )
    expect(refusal(['check', '--into-existing', 'a.py'])).toBe(
      '`check` does not take `--into-existing`.',
    )
    expect(refusal(['run', '--out', 'r', '--into-existing=yes', 'a.py'])).toBe(
      "Option '--into-existing' does not take an argument",
    )
  })

  it('keeps `-` as the stdin positional', () => {
    expect(parsed(['run', '-'])).toStrictEqual({
      name: 'run',
      positionals: ['-'],
      values: {},
    })
    expect(parsed(['check', '--json', '-'])).toStrictEqual({
      name: 'check',
      positionals: ['-'],
      values: { json: true },
    })
  })

  it('accepts options before the command', () => {
    expect(parsed(['--config', 'c.yml', 'check', 'a.py'])).toStrictEqual({
      name: 'check',
      positionals: ['a.py'],
      values: { config: 'c.yml' },
    })
  })

  it('takes a path that starts with a dash after --', () => {
    expect(parsed(['run', '--', '-odd.py'])).toStrictEqual({
      name: 'run',
      positionals: ['-odd.py'],
      values: {},
    })
  })

  it('parses check, doctor and reap', () => {
    expect(parsed(['check', '--json', 'a.py'])).toStrictEqual({
      name: 'check',
      positionals: ['a.py'],
      values: { json: true },
    })
    expect(parsed(['doctor', '--json'])).toStrictEqual({
      name: 'doctor',
      positionals: [],
      values: { json: true },
    })
    expect(parsed(['reap', '--all'])).toStrictEqual({
      name: 'reap',
      positionals: [],
      values: { all: true },
    })
  })

  it('parses image build with a config', () => {
    expect(parsed(['image', 'build', '--config', 'c.yml'])).toStrictEqual({
      name: 'image',
      positionals: ['build'],
      values: { config: 'c.yml' },
    })
  })

  it('refuses image without an action or with one it does not know, naming the actions', () => {
    expect(refusal(['image'])).toBe('`image` takes an action: `image build`.')
    expect(refusal(['image', 'push'])).toBe('`image` takes an action: `image build`.')
    expect(refusal(['image', 'build', 'now'])).toBe('`image` takes 1 argument(s), got 2.')
    expect(refusal(['image', 'build', '--json'])).toBe('`image` does not take `--json`.')
  })

  it('leaves the missing script path to the command, so it can say what to pass', () => {
    expect(parsed(['run'])).toStrictEqual({ name: 'run', positionals: [], values: {} })
  })

  it('refuses an unknown command, listing the commands', () => {
    expect(refusal(['frobnicate'])).toBe(
      'Unknown command `frobnicate`; expected one of: run, check, doctor, reap, serve, mcp, worker, image.',
    )
  })

  it('refuses an option the command does not take, naming both', () => {
    expect(refusal(['check', '--timeout', '3', 'a.py'])).toBe('`check` does not take `--timeout`.')
    expect(refusal(['doctor', '--all'])).toBe('`doctor` does not take `--all`.')
    expect(refusal(['reap', '--json'])).toBe('`reap` does not take `--json`.')
    expect(refusal(['run', '--all', 'a.py'])).toBe('`run` does not take `--all`.')
  })

  it('refuses an option no command knows', () => {
    expect(refusal(['run', '--memory', '512', 'a.py'])).toMatch(/^Unknown option '--memory'/)
  })

  it('refuses a value on a boolean option and a missing value on a string option', () => {
    expect(refusal(['run', '--json=yes', 'a.py'])).toBe("Option '--json' does not take an argument")
    expect(refusal(['run', 'a.py', '--timeout'])).toBe(
      "Option '--timeout <value>' argument missing",
    )
  })

  it('refuses more positionals than the command takes', () => {
    expect(refusal(['run', 'a.py', 'b.py'])).toBe('`run` takes 1 argument(s), got 2.')
    expect(refusal(['check', 'a.py', '-'])).toBe('`check` takes 1 argument(s), got 2.')
    expect(refusal(['doctor', 'now'])).toBe('`doctor` takes 0 argument(s), got 1.')
    expect(refusal(['reap', 'all'])).toBe('`reap` takes 0 argument(s), got 1.')
    expect(refusal(['help', 'run'])).toBe('`help` takes 0 argument(s), got 1.')
  })

  it('lets --help through whatever else is on the line, so help always answers', () => {
    expect(parsed(['run', '--help', 'a.py', 'b.py'])).toStrictEqual({
      name: 'run',
      positionals: ['a.py', 'b.py'],
      values: { help: true },
    })
  })
})
