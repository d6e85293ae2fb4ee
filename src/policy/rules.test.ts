import { describe, expect, it } from 'vitest'
import { RULES } from './rules.js'
import { RUNTIME_RULES } from './runtime-rules.js'

describe('RULES', () => {
  const rules = Object.entries(RULES)

  it('lists each rule under its own id', () => {
    for (const [key, rule] of rules) expect(rule.id).toBe(key)
  })

  it('has one rule per seed dangerous_operations pattern, the import rules and the additions', () => {
    expect(Object.keys(RULES).sort()).toEqual(
      [
        'attribute-by-name',
        'breakpoint-call',
        'dunder-attribute',
        'escape-module',
        'frame-attribute',
        'import-machinery',
        'library-file-access',
        'module-attribute-assignment',
        'not-analysable',
        'pandas-expression',
        'source-too-large',
        'vars-call',
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
    const origins = rules.map(([, rule]) => rule.seed)
    for (const seed of origins) expect(seed).toMatch(/^(r'|allowed_imports|addition|widens r')/)
  })

  it('names a configuration key in every hint, static and runtime', () => {
    for (const [, rule] of [...rules, ...Object.entries(RUNTIME_RULES)]) {
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
    // Listing `sys.modules` would not be enough: import-machinery refuses it under any listing.
    expect(RULES['sys-access'].hint('sys.modules')).toBe(
      'only code_execution.allow_dangerous_operations: true allows all of `sys`',
    )
  })
})
