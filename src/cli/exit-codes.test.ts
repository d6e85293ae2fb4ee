import { describe, expect, it } from 'vitest'
import {
  AbortedError,
  ConfigError,
  EngineUnavailableError,
  ImageMissingError,
  InvalidArgumentError,
  QueueFullError,
  ShutDownError,
} from '../errors.js'
import { EXIT, EXIT_CODE_HELP, EXIT_FOR_ERROR, exitCodeForError } from './exit-codes.js'

describe('exitCodeForError', () => {
  it.each([
    [new ConfigError('config.yml', []), EXIT.usage],
    [new InvalidArgumentError('x'), EXIT.usage],
    [new QueueFullError(1), EXIT.usage],
    [new EngineUnavailableError('x'), EXIT.engine],
    [new ImageMissingError('img'), EXIT.engine],
    [new AbortedError(), EXIT.interrupted],
    [new ShutDownError(), EXIT.interrupted],
  ])('exits a %s with %i', (error, exit) => {
    expect(exitCodeForError(error)).toBe(exit)
  })

  it('exits 1 for anything that is not a SandboxError', () => {
    expect(exitCodeForError(new TypeError('boom'))).toBe(EXIT.executionFailed)
    expect(exitCodeForError('boom')).toBe(EXIT.executionFailed)
  })

  it('maps only to exit codes that --help explains', () => {
    for (const exit of Object.values(EXIT_FOR_ERROR)) {
      expect(EXIT_CODE_HELP).toMatch(new RegExp(`^  ${exit} `, 'm'))
    }
  })
})
