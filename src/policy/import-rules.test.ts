import { describe, expect, it } from 'vitest'
import { checkPolicy } from './check-policy.js'
import type { PolicyConfig } from './types.js'

const config = (allowed: Partial<PolicyConfig['allowed_operations']> = {}): PolicyConfig => ({
  allow_dangerous_operations: false,
  allowed_operations: { file_operations: false, os_operations: false, imports: [], ...allowed },
})

/** Rule, line, column and text of each violation: the exact outcome, without the wording. */
const found = (source: string, settings: PolicyConfig = config()) =>
  checkPolicy(source, settings).violations.map(({ rule, line, column, text }) => ({
    rule,
    line,
    column,
    text,
  }))

describe('import allowlist', () => {
  it('allows every default import', () => {
    const source =
      'import math, random, string, re, collections, itertools\nimport json, datetime, statistics, functools, operator\nimport numpy as np\nimport pandas as pd\nfrom collections.abc import Mapping\n'
    expect(found(source)).toEqual([])
  })

  it('refuses a module outside the allowlist and names the key that allows it', () => {
    const [violation] = checkPolicy('import subprocess\n', config()).violations
    expect(violation).toEqual({
      rule: 'import-not-allowed',
      line: 1,
      column: 8,
      text: 'subprocess',
      message: '`subprocess` is not an allowed import',
      hint: 'add `subprocess` to code_execution.allowed_operations.imports',
    })
  })

  it('checks every name of `import a, b`, not only the first', () => {
    expect(found('import math, subprocess, json, shutil\n')).toEqual([
      { rule: 'import-not-allowed', line: 1, column: 14, text: 'subprocess' },
      { rule: 'import-not-allowed', line: 1, column: 32, text: 'shutil' },
    ])
  })

  it('checks aliased imports by the module, not the alias', () => {
    expect(found('import numpy as np\nimport subprocess as sp\n')).toEqual([
      { rule: 'import-not-allowed', line: 2, column: 8, text: 'subprocess as sp' },
    ])
  })

  it('points os refusals at os_operations as well as the import list', () => {
    const [violation] = checkPolicy('import os\n', config()).violations
    expect(violation?.hint).toBe(
      'set code_execution.allowed_operations.os_operations: true, or add `os` to code_execution.allowed_operations.imports',
    )
  })

  it('counts imports inside functions and try blocks', () => {
    const source =
      'def run():\n    import subprocess\ntry:\n    import requests\nexcept ImportError:\n    requests = None\n'
    expect(found(source)).toEqual([
      { rule: 'import-not-allowed', line: 2, column: 12, text: 'subprocess' },
      { rule: 'import-not-allowed', line: 4, column: 12, text: 'requests' },
    ])
  })

  it('allows `import a.b.c` when any dotted prefix is allowed', () => {
    expect(found('import os.path\n', config({ imports: ['os'] }))).toEqual([])
    expect(found('import os.path\n', config({ imports: ['os.path'] }))).toEqual([])
    expect(found('import os\n', config({ imports: ['os.path'] }))).toEqual([
      { rule: 'import-not-allowed', line: 1, column: 8, text: 'os' },
    ])
  })

  it('allows `import os` when os_operations is true', () => {
    expect(found('import os\n', config({ os_operations: true }))).toEqual([])
  })
})

describe('from-imports', () => {
  it('allows `from m import x` when m is allowed', () => {
    expect(found('from collections import Counter, defaultdict as dd\n')).toEqual([])
  })

  it('allows `from os import path` when os.path is allowed, but not its siblings', () => {
    const settings = config({ imports: ['os.path'] })
    expect(found('from os import path\n', settings)).toEqual([])
    expect(found('from os import path, system\n', settings)).toEqual([
      { rule: 'import-not-allowed', line: 1, column: 22, text: 'system' },
    ])
  })

  it('refuses a module once, however many names are imported from it', () => {
    expect(found('from subprocess import run, Popen\n')).toEqual([
      { rule: 'import-not-allowed', line: 1, column: 1, text: 'from subprocess import run, Popen' },
    ])
  })

  it('refuses taking an os operation out of an allowed os module at the import', () => {
    const source = 'from os import system\nsystem("ls")\n'
    expect(found(source, config({ imports: ['os'] }))).toEqual([
      { rule: 'os-access', line: 1, column: 16, text: 'system' },
    ])
    expect(found(source, config({ os_operations: true }))).toEqual([])
  })

  it('refuses a star import out of a restricted module', () => {
    expect(found('from os import *\n', config({ imports: ['os'] }))).toEqual([
      { rule: 'os-access', line: 1, column: 16, text: '*' },
    ])
  })

  it('does not report the uses of a name whose from-import was refused', () => {
    expect(found('from subprocess import run\nrun(["ls"])\n')).toEqual([
      { rule: 'import-not-allowed', line: 1, column: 1, text: 'from subprocess import run' },
    ])
  })

  it('still reports the uses of a module whose plain import was refused', () => {
    expect(found('import os\nos.system("ls")\n')).toEqual([
      { rule: 'import-not-allowed', line: 1, column: 8, text: 'os' },
      { rule: 'os-access', line: 2, column: 1, text: 'os.system("ls")' },
    ])
  })

  it('refuses relative imports, which have no package around a snippet', () => {
    expect(found('from . import helpers\nfrom .utils import f\nfrom ...pkg import g\n')).toEqual([
      { rule: 'relative-import', line: 1, column: 1, text: 'from . import helpers' },
      { rule: 'relative-import', line: 2, column: 1, text: 'from .utils import f' },
      { rule: 'relative-import', line: 3, column: 1, text: 'from ...pkg import g' },
    ])
  })

  it('allows `from __future__ import …`, a compiler directive', () => {
    expect(found('from __future__ import annotations\n')).toEqual([])
  })
})
