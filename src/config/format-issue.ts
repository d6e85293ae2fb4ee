import type { z } from 'zod'

/** `code_execution.allowed_operations.imports[1]`: the key path as a person writes it. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) =>
      typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`,
    )
    .join('')
}

/** Turns one zod issue into a sentence that says what was expected and what was found. */
export function formatIssue(issue: z.core.$ZodIssue, knownKeys: readonly string[]): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${article(issue.expected)}, got ${describe(issue.input)}${quotedHint(issue)}`
    case 'unrecognized_keys':
      return `unknown key; expected one of: ${knownKeys.join(', ')}`
    case 'too_small':
      return `expected a value ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}, got ${describe(issue.input)}`
    case 'too_big':
      return `expected a value ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}, got ${describe(issue.input)}`
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(issue.input)}`
    default:
      return `${issue.message}${issue.input === undefined ? '' : `, got ${describe(issue.input)}`}`
  }
}

function article(expected: string): string {
  if (expected === 'int') return 'an integer'
  if (expected === 'object') return 'a mapping'
  if (expected === 'array') return 'a list'
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`
}

function describe(input: unknown): string {
  if (input === undefined) return 'nothing'
  if (input === null) return 'null'
  if (Array.isArray(input)) return 'a list'
  if (typeof input === 'object') return 'a mapping'
  if (typeof input === 'string') return `the string ${JSON.stringify(truncate(input))}`
  return `${typeof input} ${String(input)}`
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text
}

/** The seed's old loader read a quoted "false" as true; say plainly why we refuse it. */
function quotedHint(issue: z.core.$ZodIssue): string {
  if ('expected' in issue && issue.expected === 'boolean' && typeof issue.input === 'string') {
    return ' (write true or false without quotes)'
  }
  if (
    'expected' in issue &&
    (issue.expected === 'number' || issue.expected === 'int') &&
    typeof issue.input === 'string'
  ) {
    return ' (write the number without quotes or units)'
  }
  return ''
}
