import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../errors.js'
import { MAX_CODE_BYTES, validateRequest } from './execute-request.js'

describe('validateRequest', () => {
  it('takes the configured timeout when none is asked for', () => {
    expect(validateRequest({ code: 'print(1)' }, 10)).toEqual({
      code: 'print(1)',
      timeoutSeconds: 10,
    })
  })

  it('accepts a lower timeout', () => {
    expect(validateRequest({ code: '', timeoutSeconds: 2.5 }, 10).timeoutSeconds).toBe(2.5)
  })

  it('refuses a timeout above the configured one, naming the setting', () => {
    expect(() => validateRequest({ code: '', timeoutSeconds: 30 }, 10)).toThrow(
      'Expected `timeoutSeconds` to be at most 10 (code_execution.timeout_seconds), got 30',
    )
  })

  it('refuses missing code, wrong types and unknown fields, naming the field', () => {
    expect(() => validateRequest({}, 10)).toThrow(/`code`/)
    expect(() => validateRequest({ code: 1 }, 10)).toThrow(/`code`/)
    expect(() => validateRequest({ code: '', timeoutSeconds: -1 }, 10)).toThrow(/`timeoutSeconds`/)
    expect(() => validateRequest({ code: '', memory: 1 }, 10)).toThrow(InvalidArgumentError)
  })

  it('refuses code over the size cap before parsing it', () => {
    expect(() => validateRequest({ code: 'x'.repeat(MAX_CODE_BYTES + 1) }, 10)).toThrow(
      `Expected \`code\` to be at most ${MAX_CODE_BYTES} bytes, got ${MAX_CODE_BYTES + 1}`,
    )
  })
})
