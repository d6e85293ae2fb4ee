import { describe, expect, it } from 'vitest'
import { checkPolicy } from './check-policy.js'
import type { PolicyConfig } from './types.js'

const config = (allowed: Partial<PolicyConfig['allowed_operations']> = {}): PolicyConfig => ({
  allow_dangerous_operations: false,
  allowed_operations: { file_operations: false, os_operations: false, imports: [], ...allowed },
})
const dangerous: PolicyConfig = { ...config(), allow_dangerous_operations: true }

const found = (source: string, settings: PolicyConfig = config()) =>
  checkPolicy(source, settings).violations.map(({ rule, line, column, text }) => ({
    rule,
    line,
    column,
    text,
  }))

/** Imports allowed, so only the access itself is judged. */
const importsAllowed = config({ imports: ['os', 'sys', 'subprocess', 'shutil', 'builtins'] })

describe('restricted modules', () => {
  const accesses: Array<[rule: string, source: string, access: string]> = [
    ['os-access', 'import os', 'os.getcwd()'],
    ['sys-access', 'import sys', 'sys.exit(1)'],
    ['subprocess-access', 'import subprocess', 'subprocess.run(["ls"])'],
    ['shutil-access', 'import shutil', 'shutil.rmtree("/tmp/x")'],
    ['builtins-access', 'import builtins', 'builtins.open("f")'],
  ]
  for (const [rule, importLine, access] of accesses) {
    it(`refuses ${access} as ${rule} even when the import is allowed`, () => {
      expect(found(`${importLine}\n${access}\n`, importsAllowed)).toEqual([
        { rule, line: 2, column: 1, text: access },
      ])
    })

    it(`allows ${access} when allow_dangerous_operations is true`, () => {
      expect(checkPolicy(`${importLine}\n${access}\n`, dangerous).allowed).toBe(true)
    })
  }

  it('lets os_operations allow os, and only os', () => {
    const settings = config({ os_operations: true })
    const source =
      'import os\nimport sys\nimport subprocess\nos.getcwd()\nos.system("ls")\nsys.exit(0)\nsubprocess.run(["ls"])\n'
    expect(found(source, settings)).toEqual([
      { rule: 'import-not-allowed', line: 2, column: 8, text: 'sys' },
      { rule: 'import-not-allowed', line: 3, column: 8, text: 'subprocess' },
      { rule: 'sys-access', line: 6, column: 1, text: 'sys.exit(0)' },
      { rule: 'subprocess-access', line: 7, column: 1, text: 'subprocess.run(["ls"])' },
    ])
  })

  it('allows `import os` but refuses os.getcwd() with imports [os, sys] and os_operations off', () => {
    expect(found('import os\nprint(os.getcwd())\n', config({ imports: ['os', 'sys'] }))).toEqual([
      { rule: 'os-access', line: 2, column: 7, text: 'os.getcwd()' },
    ])
  })

  it('allows exactly the explicitly imported dotted name below a restricted module', () => {
    const settings = config({ imports: ['os.path'] })
    const source = 'import os.path\np = os.path.join(a, b)\nos.system("x")\nos.listdir(".")\n'
    expect(found(source, settings)).toEqual([
      { rule: 'os-access', line: 3, column: 1, text: 'os.system("x")' },
      { rule: 'os-access', line: 4, column: 1, text: 'os.listdir(".")' },
    ])
  })

  it('follows aliases made by import statements', () => {
    const settings = config({ imports: ['os', 'os.path'] })
    const source =
      'import os as o\nfrom os import path as p\nimport os.path as osp\no.system("x")\np.join(a)\nosp.exists(a)\n'
    expect(found(source, settings)).toEqual([
      { rule: 'os-access', line: 4, column: 1, text: 'o.system("x")' },
    ])
  })

  it('refuses the bare module passed around, as in getattr(os, name)', () => {
    expect(found('import os\nf = getattr(os, name)\nrun(sys)\n', importsAllowed)).toEqual([
      { rule: 'attribute-by-name', line: 2, column: 5, text: 'getattr(os, name)' },
      { rule: 'os-access', line: 2, column: 13, text: 'os' },
      { rule: 'sys-access', line: 3, column: 5, text: 'sys' },
    ])
  })

  it('reads getattr with a literal name as the attribute it names', () => {
    expect(found('f = getattr(os, "system")\n', importsAllowed)).toEqual([
      { rule: 'os-access', line: 1, column: 5, text: 'getattr(os, "system")' },
    ])
    expect(found('import random\ngetattr(random, "_os").system("ls")\n')).toEqual([
      { rule: 'os-access', line: 2, column: 1, text: 'getattr(random, "_os")' },
    ])
    const pathOnly = config({ imports: ['os.path'] })
    expect(found('import os.path\njoin = getattr(os, "path").join\n', pathOnly)).toEqual([])
  })

  it('refuses os.x even when the code never imported os', () => {
    expect(found('os.system("ls")\n')).toEqual([
      { rule: 'os-access', line: 1, column: 1, text: 'os.system("ls")' },
    ])
  })

  it('refuses subscripted and assigned module attributes', () => {
    expect(found('home = os.environ["HOME"]\nsys.path = []\n')).toEqual([
      { rule: 'os-access', line: 1, column: 8, text: 'os.environ' },
      { rule: 'sys-access', line: 2, column: 1, text: 'sys.path' },
    ])
  })

  it('refuses __builtins__ like the builtins module', () => {
    expect(found('f = __builtins__.eval\n')).toEqual([
      { rule: 'builtins-access', line: 1, column: 5, text: '__builtins__.eval' },
    ])
  })

  it('names the attribute in the message and hint', () => {
    const [violation] = checkPolicy('os.system("ls")\n', config()).violations
    expect(violation?.message).toBe(
      '`os.system` uses the `os` module, which reaches the operating system',
    )
    expect(violation?.hint).toBe(
      'allowed when code_execution.allowed_operations.os_operations is true; listing `os.system` in code_execution.allowed_operations.imports allows that name alone',
    )
  })
})

describe('modules reached through other modules', () => {
  it('refuses os reached as a private attribute of an allowed module', () => {
    expect(found('import random\nrandom._os.system("ls")\n')).toEqual([
      { rule: 'os-access', line: 2, column: 1, text: 'random._os.system("ls")' },
    ])
  })

  it('refuses os reached through an allowed module that imports it', () => {
    const settings = config({ imports: ['pathlib', 'os.path'] })
    expect(
      found(
        'import pathlib\nimport os.path\npathlib.os.system("ls")\nos.path.os.remove("f")\n',
        settings,
      ),
    ).toEqual([
      { rule: 'os-access', line: 3, column: 1, text: 'pathlib.os.system("ls")' },
      { rule: 'os-access', line: 4, column: 1, text: 'os.path.os.remove("f")' },
    ])
  })

  it('refuses sys reached through os even when os_operations is true', () => {
    expect(found('import os\nos.sys.version\n', config({ os_operations: true }))).toEqual([
      { rule: 'sys-access', line: 2, column: 1, text: 'os.sys.version' },
    ])
    // `modules` is also the import system's table, refused off anything.
    expect(found('import os\nos.sys.modules\n', config({ os_operations: true }))).toEqual([
      { rule: 'import-machinery', line: 2, column: 1, text: 'os.sys.modules' },
      { rule: 'sys-access', line: 2, column: 1, text: 'os.sys.modules' },
    ])
  })

  it('refuses a from-import of a private module alias', () => {
    expect(found('from random import _os\n')).toEqual([
      { rule: 'os-access', line: 1, column: 20, text: '_os' },
    ])
  })
})

describe('private module handles read off values', () => {
  it('refuses os and sys reached as private attributes of a value the rules cannot follow', () => {
    const source =
      'import random, collections\n[random][0]._os.system("ls")\nm = [collections][0]\nm._sys.argv\n'
    expect(found(source)).toEqual([
      { rule: 'os-access', line: 2, column: 1, text: '[random][0]._os.system("ls")' },
      { rule: 'sys-access', line: 4, column: 1, text: 'm._sys.argv' },
    ])
  })

  it('refuses them spelled as literal names too', () => {
    const source =
      'import random, operator\ngetattr([random][0], "_os")\noperator.attrgetter("_os.system")(m)\n'
    expect(found(source)).toEqual([
      { rule: 'os-access', line: 2, column: 1, text: 'getattr([random][0], "_os")' },
      { rule: 'os-access', line: 3, column: 1, text: 'operator.attrgetter("_os.system")' },
    ])
  })

  it('judges the handle like the module: os_operations allows x._os, an allowed dotted name its part', () => {
    expect(
      found('def f(m):\n    return m._os.getcwd()\n', config({ os_operations: true })),
    ).toEqual([])
    expect(
      found('def f(m):\n    return m._os.path.join("a")\n', config({ imports: ['os.path'] })),
    ).toEqual([])
    expect(found('def f(m):\n    return m._sys.path\n', config({ os_operations: true }))).toEqual([
      { rule: 'sys-access', line: 2, column: 12, text: 'm._sys.path' },
    ])
  })

  it('names the module, and the setting, for a handle read off a value', () => {
    const [violation] = checkPolicy('def f(m):\n    return m._os\n', config()).violations
    expect(violation?.message).toBe('`os` uses the `os` module, which reaches the operating system')
    expect(violation?.hint).toBe(
      'allowed when code_execution.allowed_operations.os_operations is true',
    )
  })

  it("refuses an attribute of the code's own spelled like a handle: the accepted false positive", () => {
    const source = 'class Machine:\n    def __init__(self):\n        self._os = "linux"\n'
    expect(found(source)).toEqual([{ rule: 'os-access', line: 3, column: 9, text: 'self._os' }])
  })
})

describe('what the module rules must not trip on', () => {
  it('does not refuse names that merely contain a module name', () => {
    const source =
      'pos.append(1)\ncosine.x\nbasis.x\nsystem.os_name\nmy_sys.path\nsubprocess_count = 1\n'
    expect(found(source)).toEqual([])
  })

  it('does not refuse module names in strings or comments', () => {
    expect(found('cmd = "os.system(\'x\')"\n# sys.exit()\n')).toEqual([])
  })

  it('does not refuse attributes of ordinary objects named like modules', () => {
    expect(found('print(config.os, platform_info.sys)\n')).toEqual([])
    expect(found('print(row.os_, x._osx, x._system, x.sys_)\n')).toEqual([])
  })

  it('does not refuse a name the code bound to something else', () => {
    const source = 'os = "linux"\nprint(os.upper())\ndef f(sys):\n    return sys.version\n'
    expect(found(source)).toEqual([])
  })
})
