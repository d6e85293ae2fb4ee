import { describe, expect, it } from 'vitest'
import { RULES } from './rules.js'

describe('RULES', () => {
  const rules = Object.entries(RULES)

  it('lists each rule under its own id', () => {
    for (const [key, rule] of rules) expect(rule.id).toBe(key)
  })

  it('has one rule per seed dangerous_operations pattern, plus the import rules', () => {
    expect(Object.keys(RULES).sort()).toEqual(
      [
        'builtins-access',
        'compile-call',
        'dunder-import-call',
        'eval-call',
        'exec-call',
        'globals-call',
        'import-not-allowed',
        'locals-call',
        'open-call',
        'os-access',
        'relative-import',
        'shutil-access',
        'subprocess-access',
        'sys-access',
      ].sort(),
    )
    const patterns = rules.map(([, rule]) => rule.seed).filter((seed) => seed.startsWith("r'"))
    expect(patterns).toHaveLength(12)
  })

  it('names a configuration key in every hint', () => {
    for (const [, rule] of rules) {
      expect(rule.hint('subject')).toMatch(
        /code_execution\.(allow_dangerous_operations|allowed_operations\.)/,
      )
    }
  })

  it('points os refusals at os_operations and other module refusals at allow_dangerous_operations', () => {
    expect(RULES['os-access'].hint('os')).toBe(
      'allowed when code_execution.allowed_operations.os_operations is true',
    )
    expect(RULES['sys-access'].hint('sys.argv')).toBe(
      'only code_execution.allow_dangerous_operations: true allows all of `sys`; listing `sys.argv` in code_execution.allowed_operations.imports allows that name alone',
    )
  })
})
