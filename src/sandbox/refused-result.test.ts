import { describe, expect, it } from 'vitest'
import { configSchema } from '../config/schema.js'
import { checkPolicy } from '../policy/index.js'
import { refusedResult } from './refused-result.js'

const defaults = configSchema.parse({}).code_execution

describe('refusedResult', () => {
  it('reports the violations beside a syntax error, not instead of them', () => {
    const result = refusedResult('id', checkPolicy('eval("1")\ndef broken(:\n    pass\n', defaults))
    expect(result.status).toBe('error')
    expect(result.error?.name).toBe('SyntaxError')
    expect(result.violations.map((v) => v.rule)).toEqual(['eval-call'])
    expect(result.message).toMatch(
      /^SyntaxError at line 2, column \d+: .*\. The static policy also refuses: eval-call at 1:1 \(eval\("1"\)\)\. Nothing was run\.$/,
    )
  })

  it('says which part a position is in when there was setup code', () => {
    const refused = refusedResult(
      'id',
      checkPolicy('x = 1\neval("1")', defaults, { setupCode: 'import math\nexec("2")' }),
    )
    expect(refused.status).toBe('policy_violation')
    expect(refused.message).toBe(
      'Refused by the static policy before running: exec-call at setup code 2:1 (exec("2")); eval-call at code 2:1 (eval("1")). See each violation\'s hint for the setting that allows it.',
    )
    const broken = refusedResult('id', checkPolicy('print(1)', defaults, { setupCode: 'x = (' }))
    expect(broken.message).toMatch(
      /^SyntaxError at setup code line 1, column \d+: .*\. Nothing was run\.$/,
    )
  })

  it('says only the syntax error when there is nothing else', () => {
    const result = refusedResult('id', checkPolicy('def broken(:\n    pass\n', defaults))
    expect([result.status, result.violations]).toEqual(['error', []])
    expect(result.message).toMatch(/^SyntaxError at line 1, column \d+: .*\. Nothing was run\.$/)
  })
})
