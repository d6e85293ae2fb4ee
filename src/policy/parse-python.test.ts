import { describe, expect, it } from 'vitest'
import { parsePython } from './parse-python.js'
import { SourcePositions } from './source-positions.js'

const problemsIn = (source: string) => parsePython(source, new SourcePositions(source)).syntaxErrors

describe('parsePython on valid modern Python', () => {
  const valid: Record<string, string> = {
    'f-strings':
      'x = f"{a!r:>{w}} {b=} {c:.2f} {{literal}}"\ny = f\'{"q" if b else "r"}\'\nz = f"{d["k"]}"\n',
    'the walrus operator':
      'if (n := len(a)) > 10:\n    print(n)\nwhile (line := read()) != "":\n    pass\n',
    'match statements': [
      'match command:',
      '    case [first, *rest]:',
      '        pass',
      '    case {"k": v, **others}:',
      '        pass',
      '    case Point(x=0, y=yy) | Origin():',
      '        pass',
      '    case mod.CONST as c if c > 1:',
      '        pass',
      '    case _:',
      '        pass',
      '',
    ].join('\n'),
    'match, case and type as plain names':
      'match = re.match(p, s)\ncase = 1\ntype = 2\nprint(match, case, type(x))\n',
    decorators:
      '@functools.lru_cache(maxsize=None)\n@staticmethod\ndef f(a, /, b: int = 1, *args: str, c, **kw) -> int:\n    return a\n',
    'async and await':
      'async def f():\n    async with a as b:\n        pass\n    async for x in y:\n        await z\n    return [i async for i in g()]\n',
    'type hints, generics and type aliases':
      'x: list[int] = []\ny: dict[str, int | None]\ndef g[T](a: T) -> T: ...\ntype Alias = list[int]\n',
    lambdas: 'f = lambda: 0\ng = lambda *a, **k: (a, k)\nh = lambda x, y=2: x + y\n',
    comprehensions:
      'a = [x for x in xs if x]\nb = {k: v for k, v in d.items()}\nc = {x for x in y}\nd = (x for x in y)\ne = sum(x for x, _ in pairs)\nf = [y for x in xs if (y := x)]\n',
    'a last line without a newline': 'print(1)',
    'CRLF line endings': 'if a:\r\n    print(1)\r\nelse:\r\n    print(2)\r\n',
    'tab indentation': 'if a:\n\tprint(1)\n\tif b:\n\t\tprint(2)\n',
    'bare yield': 'def g():\n    yield\n    x = yield\n    return (yield)\n',
    'parenthesized context managers':
      'with (open(a) as f, open(b) as g):\n    pass\nwith (\n    open(a) as f,\n    open(b) as g,\n):\n    pass\n',
    'print used as a name':
      'print = functools.partial(print, flush=True)\nprint, x\nprint is None\nprint -1\nprint[0]\n',
    'form feeds on lines of their own': 'import os\n\f\ndef f():\n    pass\n  \f  # page\nx = 1\n',
    'floats with a trailing dot':
      'day = 24.*3600.\nx = (1., 0.)\ny = 1. / n\nz = [0., 1.]\nw = a[1.:2.]\nv = 20.\n',
    'PEP 614 decorators':
      '@buttons[0].clicked.connect\ndef f():\n    pass\n@lambda f: f\nclass A:\n    @x[0].y\n    def g(self):\n        pass\n',
    'a tuple target after with … as':
      'with f(a) as (x, y):\n    pass\nwith g() as [p, q]:\n    pass\n',
    'an empty source': '',
    'comments only': '# nothing here\n\n   # indented comment\n',
    'unicode names and strings': 'café = "naïve ☕"\nprint(café)\n',
    'assorted statements':
      'a, *b = c\ndel a[0], b\nassert x, "m"\nraise X from e\ntry:\n    pass\nexcept* ValueError as e:\n    pass\nclass A(B, metaclass=M):\n    x: int = 0\nn = 1_000 + 0xFF + 1e-3 + 1j\ns = rb"\\x00" "a" """b"""\nx = \\\n    1\n',
  }
  for (const [name, source] of Object.entries(valid)) {
    it(`reports no syntax problem for ${name}`, () => {
      expect(problemsIn(source)).toEqual([])
    })
  }
})

describe('parsePython on invalid Python', () => {
  it('reports an unclosed parameter list with its line and column', () => {
    expect(problemsIn('x = 1\ndef f(:\n    pass\n')).toEqual([
      { line: 2, column: 7, message: 'invalid syntax near `:`' },
    ])
  })

  it('reports a missing colon at the end of the line', () => {
    expect(problemsIn('if x\n    pass\n')).toEqual([
      { line: 1, column: 5, message: 'invalid syntax: unexpected end of line' },
    ])
  })

  it('reports input that ends in the middle of an expression', () => {
    expect(problemsIn('x = (1,\n')).toEqual([
      { line: 2, column: 1, message: 'invalid syntax: unexpected end of input' },
    ])
  })

  it('counts lines across CRLF endings', () => {
    expect(problemsIn('a = 1\r\nb = 2\r\nc = = 3\r\n')).toEqual([
      { line: 3, column: 5, message: 'invalid syntax near `= 3`' },
    ])
  })

  it("reports Python 2's print statement in Python's words", () => {
    expect(problemsIn('print "hi"\n')).toEqual([
      {
        line: 1,
        column: 1,
        message: "Missing parentheses in call to 'print'. Did you mean print(...)?",
      },
    ])
  })

  it("reports Python 2's print statement with a name or number too", () => {
    expect(problemsIn('x = 1\nprint x\nprint 42\n').map((p) => p.line)).toEqual([2, 3])
  })

  it("reports Python 2's `except E, e`", () => {
    expect(problemsIn('try:\n    pass\nexcept E, e:\n    pass\n')).toEqual([
      { line: 3, column: 9, message: 'multiple exception types must be parenthesized' },
    ])
  })

  it('does not call an error it cannot confirm a syntax error', () => {
    const source = 'x = a[*idx]\n'
    const parsed = parsePython(source, new SourcePositions(source))
    expect(parsed.syntaxErrors).toEqual([])
    expect(parsed.unparsed).toEqual([
      { line: 1, column: 7, message: expect.stringContaining('invalid syntax') },
    ])
  })

  it('confirms unbalanced brackets and unterminated strings', () => {
    expect(problemsIn('x = a[*idx]\ny = (1,\n')).not.toEqual([])
    expect(problemsIn('x = a[*idx]\ny = "open\n')).not.toEqual([])
  })

  it('reports at most ten problems for input that is not Python at all', () => {
    const javascript = Array.from({ length: 30 }, (_, i) => `const x${i} = { a: [1, 2 }`).join('\n')
    expect(problemsIn(javascript)).toHaveLength(10)
  })
})
