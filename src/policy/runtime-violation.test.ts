import { describe, expect, it } from 'vitest'
import { runtimeViolation } from './runtime-violation.js'

describe('runtimeViolation', () => {
  const refusal = {
    rule: 'runtime-file-access',
    event: 'open',
    subject: "open('/etc/passwd', 'r')",
    line: 3,
    column: 1,
    text: 'pd.read_csv(path)',
  }

  it('words a guard refusal like a static violation, with the event', () => {
    expect(runtimeViolation(refusal)).toEqual({
      rule: 'runtime-file-access',
      line: 3,
      column: 1,
      text: 'pd.read_csv(path)',
      message: "`open('/etc/passwd', 'r')` touches files, which the code may not",
      hint: 'allowed when code_execution.allowed_operations.file_operations is true',
      event: 'open',
    })
  })

  it('keeps the part a refusal happened in, when the request had setup code', () => {
    expect(runtimeViolation({ ...refusal, part: 'setupCode' })?.part).toBe('setupCode')
    expect(runtimeViolation({ ...refusal, part: 'code' })?.part).toBe('code')
    expect(runtimeViolation(refusal)).not.toHaveProperty('part')
  })

  it('drops an unknown rule or a malformed report', () => {
    expect(runtimeViolation({ ...refusal, rule: 'toString' })).toBeUndefined()
    expect(runtimeViolation({ ...refusal, line: '3' })).toBeUndefined()
    expect(runtimeViolation({ ...refusal, part: 'setup' })).toBeUndefined()
    expect(runtimeViolation(null)).toBeUndefined()
  })
})
