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

describe('restricted builtins', () => {
  const calls: Array<[rule: string, source: string]> = [
    ['exec-call', 'exec("print(1)")'],
    ['eval-call', 'eval("1 + 1")'],
    ['compile-call', 'compile("1", "<s>", "eval")'],
    ['dunder-import-call', '__import__("os")'],
    ['globals-call', 'globals()'],
    ['locals-call', 'locals()'],
    ['open-call', 'open("data.csv")'],
  ]
  for (const [rule, call] of calls) {
    it(`refuses ${call} as ${rule} by default`, () => {
      expect(found(`x = 1\ny = ${call}\n`)).toEqual([{ rule, line: 2, column: 5, text: call }])
    })

    it(`allows ${call} when allow_dangerous_operations is true`, () => {
      expect(checkPolicy(`y = ${call}\n`, dangerous)).toEqual({
        allowed: true,
        checked: false,
        violations: [],
        syntaxErrors: [],
      })
    })
  }

  it('says what is refused and that only allow_dangerous_operations lifts it', () => {
    const [violation] = checkPolicy('eval(x)\n', config()).violations
    expect(violation?.message).toBe('`eval` evaluates a string as Python code')
    expect(violation?.hint).toBe('only code_execution.allow_dangerous_operations: true allows this')
  })

  it('allows open() when file_operations is true, and nothing else with it', () => {
    const settings = config({ file_operations: true })
    expect(found('with open("data.csv") as f:\n    rows = f.read()\n', settings)).toEqual([])
    expect(found('open("a")\neval("1")\n', settings)).toEqual([
      { rule: 'eval-call', line: 2, column: 1, text: 'eval("1")' },
    ])
    const [violation] = checkPolicy('open("a")\n', config()).violations
    expect(violation?.hint).toBe(
      'allowed when code_execution.allowed_operations.file_operations is true',
    )
  })

  it('refuses references that are not calls: aliasing and passing the builtin along', () => {
    expect(found('f = eval\nresults = list(map(eval, xs))\nopener = {"r": open}\n')).toEqual([
      { rule: 'eval-call', line: 1, column: 5, text: 'eval' },
      { rule: 'eval-call', line: 2, column: 20, text: 'eval' },
      { rule: 'open-call', line: 3, column: 16, text: 'open' },
    ])
  })

  it('refuses uses inside f-strings, lambdas, defaults, keyword values and walruses', () => {
    const source = [
      'a = f"{eval(s)!r:>10}"',
      'b = lambda s: exec(s)',
      'def c(run=exec): pass',
      'd = sorted(xs, key=eval)',
      'if (e := compile):',
      '    pass',
      '',
    ].join('\n')
    expect(found(source)).toEqual([
      { rule: 'eval-call', line: 1, column: 8, text: 'eval(s)' },
      { rule: 'exec-call', line: 2, column: 15, text: 'exec(s)' },
      { rule: 'exec-call', line: 3, column: 11, text: 'exec' },
      { rule: 'eval-call', line: 4, column: 20, text: 'eval' },
      { rule: 'compile-call', line: 5, column: 10, text: 'compile' },
    ])
  })

  it('reports nested calls once each, in source order', () => {
    expect(found('eval(eval("1"))\n')).toEqual([
      { rule: 'eval-call', line: 1, column: 1, text: 'eval(eval("1"))' },
      { rule: 'eval-call', line: 1, column: 6, text: 'eval("1")' },
    ])
  })
})

describe('what the restricted builtins must not trip on', () => {
  const harmless: Record<string, string> = {
    'attribute calls of the same name':
      'import re\np = re.compile(r"\\d+")\ndf.eval("a + b")\nobj.exec()\nshop.open_now()\n',
    'keyword argument names': 'f(eval=1, open=True, exec=None)\n',
    'parameter names and definitions':
      'def f(eval, open=None, *compile, **exec): pass\ndef locals(): pass\n',
    'names that contain the words':
      'my_eval(x)\nevaluate()\nreopen()\nretrieval(x)\nexecutor.submit(job)\nglobals_ = 1\n',
    strings: 'code = "eval(x)"\nsql = \'exec("drop")\'\nq = f"open() {x}"\n',
    comments: '# eval(x)\nx = 1  # open("f") and exec("y")\n',
    docstrings: 'def f():\n    """Calls open() and eval() on the input."""\n    return 1\n',
  }
  for (const [name, source] of Object.entries(harmless)) {
    it(`does not refuse ${name}`, () => {
      expect(found(source)).toEqual([])
    })
  }
})

describe('shadowing a restricted builtin', () => {
  it('allows calling a function the code defined under that name', () => {
    expect(found('def compile(rules):\n    return rules\nprint(compile([1]))\n')).toEqual([])
  })

  it('allows a from-import of the same name', () => {
    expect(found('from re import compile\npattern = compile(r"a+")\n')).toEqual([])
  })

  it('allows a parameter of the same name inside its function', () => {
    expect(found('def apply(eval, x):\n    return eval(x)\n')).toEqual([])
  })

  it('still refuses a use that runs before the definition', () => {
    expect(found('compile("x", "f", "exec")\ndef compile(rules):\n    return rules\n')).toEqual([
      { rule: 'compile-call', line: 1, column: 1, text: 'compile("x", "f", "exec")' },
    ])
  })

  it('still refuses when the shadowing binding is conditional or deleted', () => {
    expect(found('if debug:\n    def eval(s): return s\neval("1")\n')).toEqual([
      { rule: 'eval-call', line: 3, column: 1, text: 'eval("1")' },
    ])
    expect(found('eval = print\ndel eval\neval("1")\n')).toEqual([
      { rule: 'eval-call', line: 3, column: 1, text: 'eval("1")' },
    ])
  })
})
