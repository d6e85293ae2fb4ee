import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.js'
import { parseConfig } from './load-config.js'
import { validateConfig } from './validate-config.js'

function refusal(call: () => unknown): ConfigError {
  try {
    call()
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error('expected a ConfigError')
}

describe('validateConfig', () => {
  it('returns the config with its defaults', () => {
    expect(validateConfig({}, 'x').code_execution.timeout_seconds).toBe(10)
  })

  it('refuses a bad value with a ConfigError naming the key, as config.yml does', () => {
    const error = refusal(() =>
      validateConfig({ code_execution: { limits: { memory_mb: 'lots' } } }, 'options'),
    )
    expect(error.code).toBe('config_invalid')
    expect(error.message).toBe(
      'Invalid configuration in options:\n  options: code_execution.limits.memory_mb: expected a number, got the string "lots" (write the number without quotes or units)',
    )
  })

  it('words each problem exactly as the config.yml loader does, less the line and column', () => {
    const fromObject = refusal(() =>
      validateConfig({ code_execution: { timeout: 5, limits: { pids: 1 } } }, 'o'),
    )
    const fromFile = refusal(() =>
      parseConfig('code_execution:\n  timeout: 5\n  limits:\n    pids: 1\n', 'f.yml'),
    )
    const unlocated = fromFile.problems.map(({ path, message }) => ({ path, message }))
    expect(fromObject.problems).toStrictEqual(unlocated)
    expect(fromObject.problems.map((problem) => problem.path)).toStrictEqual([
      'code_execution.limits.pids',
      'code_execution.timeout',
    ])
  })
})
