import { describe, expect, it } from 'vitest'
import { checkPolicy } from './check-policy.js'
import { isImportMachineryAttribute } from './import-machinery.js'
import type { PolicyConfig } from './types.js'

const config = (allowed: Partial<PolicyConfig['allowed_operations']> = {}): PolicyConfig => ({
  allow_dangerous_operations: false,
  allowed_operations: { file_operations: false, os_operations: false, imports: [], ...allowed },
})

const found = (source: string, settings: PolicyConfig = config()) =>
  checkPolicy(source, settings).violations.map(({ rule, line, column, text }) => ({
    rule,
    line,
    column,
    text,
  }))

/** Everything that could lift a rule short of allow_dangerous_operations. */
const generous = config({
  file_operations: true,
  os_operations: true,
  imports: ['sys', 'sys.modules', 'sys.meta_path', 'importlib', 'os'],
})

describe('the import system tables', () => {
  it('knows exactly the four tables', () => {
    for (const name of ['meta_path', 'path_hooks', 'path_importer_cache', 'modules']) {
      expect(isImportMachineryAttribute(name)).toBe(true)
    }
    for (const name of ['path', 'module', 'modules_', 'meta', 'hooks']) {
      expect(isImportMachineryAttribute(name)).toBe(false)
    }
  })

  it('refuses each read off anything, however the object was reached', () => {
    const source = [
      'import random',
      'os = [random][0]._os',
      'os.sys.meta_path.append(finder)',
      'hooks = things[0].path_hooks',
      'cache = (lambda: s)().path_importer_cache',
      'x.modules["json"]',
    ].join('\n')
    expect(found(source, generous)).toEqual([
      { rule: 'import-machinery', line: 3, column: 1, text: 'os.sys.meta_path.append(finder)' },
      { rule: 'import-machinery', line: 4, column: 9, text: 'things[0].path_hooks' },
      { rule: 'import-machinery', line: 5, column: 9, text: '(lambda: s)().path_importer_cache' },
      { rule: 'import-machinery', line: 6, column: 1, text: 'x.modules' },
    ])
  })

  it('refuses sys.modules even with sys and sys.modules in imports', () => {
    expect(found('import sys\nsys.modules\n', generous)).toEqual([
      { rule: 'import-machinery', line: 2, column: 1, text: 'sys.modules' },
    ])
  })

  it('refuses the tables spelled as literal names and stores into them', () => {
    const source =
      'import operator\ngetattr(s, "meta_path")\noperator.attrgetter("sys.modules")(m)\ns.meta_path = []\n'
    expect(found(source)).toEqual([
      { rule: 'import-machinery', line: 2, column: 1, text: 'getattr(s, "meta_path")' },
      { rule: 'import-machinery', line: 3, column: 1, text: 'operator.attrgetter("sys.modules")' },
      { rule: 'import-machinery', line: 4, column: 1, text: 's.meta_path' },
    ])
  })

  it('explains the refusal and says that only allow_dangerous_operations lifts it', () => {
    const [violation] = checkPolicy('x.meta_path\n', generous).violations
    expect(violation?.message).toBe(
      "`meta_path` reaches the import system, where a finder, loader or module of the code's own would run as library code",
    )
    expect(violation?.hint).toBe(
      'import modules with `import` statements (an object of your own needs another attribute name); only code_execution.allow_dangerous_operations: true allows this',
    )
    expect(
      checkPolicy('import sys\nsys.meta_path.append(f)\n', {
        ...generous,
        allow_dangerous_operations: true,
      }).allowed,
    ).toBe(true)
  })

  it("refuses an object of the code's own with a `modules` attribute: the accepted false positive", () => {
    const source =
      'class Package:\n    def __init__(self):\n        self.modules = []\nPackage().modules\n'
    expect(found(source)).toEqual([
      { rule: 'import-machinery', line: 3, column: 9, text: 'self.modules' },
      { rule: 'import-machinery', line: 4, column: 1, text: 'Package().modules' },
    ])
  })

  it('leaves look-alikes alone: other names, strings, dict keys, keyword arguments', () => {
    const source = [
      'import numpy as np',
      'path = np.lib.format',
      'print("sys.modules", {"modules": 1}["modules"])',
      'f(modules=3, meta_path="x")',
      'module = x.module',
      'hooks = x.hooks',
    ].join('\n')
    expect(found(source)).toEqual([])
  })
})
