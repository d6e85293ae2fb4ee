import { describe, expect, it } from 'vitest'
import { checkPolicy } from './check-policy.js'
import type { PolicyConfig } from './types.js'

const config: PolicyConfig = {
  allow_dangerous_operations: false,
  allowed_operations: { file_operations: false, os_operations: false, imports: ['os'] },
}

const found = (source: string) =>
  checkPolicy(source, config).violations.map(({ rule, line, column, text }) => ({
    rule,
    line,
    column,
    text,
  }))

/** Scope rules decide whether `os` is the module; each case would be a bypass if they erred. */
describe('resolving names through Python scopes', () => {
  it('does not let a class attribute hide the module from its methods', () => {
    const source =
      'import os\nclass A:\n    os = None\n    def run(self):\n        return os.getcwd()\n'
    expect(found(source)).toEqual([{ rule: 'os-access', line: 5, column: 16, text: 'os.getcwd()' }])
  })

  it("reads a comprehension's first iterable in the scope around it", () => {
    const source = 'import os\ndef f():\n    return [os for os in os.listdir(".")]\n'
    expect(found(source)).toEqual([
      { rule: 'os-access', line: 3, column: 26, text: 'os.listdir(".")' },
    ])
  })

  it('keeps comprehension variables inside the comprehension', () => {
    const source =
      'import os\ndef f(items):\n    names = [os for os in items]\n    return os.getcwd()\n'
    expect(found(source)).toEqual([{ rule: 'os-access', line: 4, column: 12, text: 'os.getcwd()' }])
  })

  it('binds generator-argument targets in their own scope', () => {
    expect(found('total = sum(len(sys) for sys in groups)\nprint(sys.argv)\n')).toEqual([
      { rule: 'sys-access', line: 2, column: 7, text: 'sys.argv' },
    ])
  })

  it('follows `global` to the module scope', () => {
    const source = 'def load():\n    global os\n    import os\nload()\nos.system("ls")\n'
    expect(found(source)).toEqual([
      { rule: 'os-access', line: 5, column: 1, text: 'os.system("ls")' },
    ])
  })

  it('does not trust a later local binding at module level', () => {
    expect(found('os.system("ls")\nos = None\n')).toEqual([
      { rule: 'os-access', line: 1, column: 1, text: 'os.system("ls")' },
    ])
  })

  it('reads decorators, including dotted ones', () => {
    expect(found('import os\n@os.fwalk\ndef f(): pass\n@eval\ndef g(): pass\n')).toEqual([
      { rule: 'os-access', line: 2, column: 2, text: 'os.fwalk' },
      { rule: 'eval-call', line: 4, column: 2, text: 'eval' },
    ])
  })

  it('reads value patterns in match statements but not capture names', () => {
    const source =
      'match x:\n    case os.sep:\n        pass\n    case Point(x=eval):\n        pass\n'
    expect(found(source)).toEqual([{ rule: 'os-access', line: 2, column: 10, text: 'os.sep' }])
  })

  it('reads with-items and except clauses, and binds the with target', () => {
    const source =
      'def f():\n    with open("f") as os:\n        os.read()\n    try:\n        pass\n    except sys.error as err:\n        err.args\n'
    expect(found(source)).toEqual([
      { rule: 'open-call', line: 2, column: 10, text: 'open("f")' },
      { rule: 'sys-access', line: 6, column: 12, text: 'sys.error' },
    ])
  })

  it('reads class bases and keyword values', () => {
    expect(found('class A(os.PathLike, metaclass=eval):\n    pass\n')).toEqual([
      { rule: 'os-access', line: 1, column: 9, text: 'os.PathLike' },
      { rule: 'eval-call', line: 1, column: 32, text: 'eval' },
    ])
  })

  it('reads the object of attribute and subscript assignment targets', () => {
    expect(found('os.environ["X"] = "1"\nsys.argv[0] += "x"\n')).toEqual([
      { rule: 'os-access', line: 1, column: 1, text: 'os.environ' },
      { rule: 'sys-access', line: 2, column: 1, text: 'sys.argv' },
    ])
  })
})
