import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../errors.js'
import { MAX_CODE_BYTES } from '../sandbox/execute-request.js'
import { parseAnonCoderInput } from './anon-coder-input.js'

/** The refusal's message, or 'accepted'. */
function refusal(args: unknown): string {
  try {
    parseAnonCoderInput(args)
    return 'accepted'
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError)
    return (error as Error).message
  }
}

describe('parseAnonCoderInput', () => {
  it('takes tinyAgent setup_code beside code and timeout', () => {
    expect(parseAnonCoderInput({ code: 'f()', timeout: 30, setup_code: 'f = print' })).toEqual({
      code: 'f()',
      timeout: 30,
      setup_code: 'f = print',
    })
  })

  it('refuses an unknown argument by name, listing the ones the tool takes', () => {
    expect(refusal({ code: 'x', setupCode: 'y' })).toBe(
      'Invalid `setupCode`: unknown key; expected one of: code, timeout, setup_code',
    )
  })

  it('refuses setup_code that is not a string, naming the argument', () => {
    expect(refusal({ code: 'x', setup_code: ['import math'] })).toBe(
      'Invalid `setup_code`: expected a string, got an array',
    )
  })

  it('counts setup_code and code together against the size cap, in the tool argument names', () => {
    const half = 'x'.repeat(MAX_CODE_BYTES / 2)
    expect(refusal({ code: `${half}x`, setup_code: half })).toBe(
      `Expected \`setup_code\` and \`code\` together to be at most ${MAX_CODE_BYTES} bytes, got ${MAX_CODE_BYTES / 2} + ${MAX_CODE_BYTES / 2 + 1}`,
    )
    expect(refusal({ code: '', setup_code: `${half}${half}x` })).toBe(
      `Expected \`setup_code\` to be at most ${MAX_CODE_BYTES} bytes, got ${MAX_CODE_BYTES + 1}`,
    )
  })
})
