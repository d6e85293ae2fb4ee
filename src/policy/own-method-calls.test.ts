import { describe, expect, it } from 'vitest'
import { checkPolicy } from './check-policy.js'
import type { PolicyConfig } from './types.js'

const defaults: PolicyConfig = {
  allow_dangerous_operations: false,
  allowed_operations: { file_operations: false, os_operations: false, imports: [] },
}

/** The `library-file-access` refusals of the lines, as `line text`. */
const fileAccess = (...lines: string[]) =>
  checkPolicy(`${lines.join('\n')}\n`, defaults)
    .violations.filter((v) => v.rule === 'library-file-access')
    .map((v) => `${v.line} ${v.text}`)

/** Lines 1–3. */
const door = [
  'class Door:',
  '    def __init__(self): self.state = "shut"',
  '    def open(self): self.state = "open"; return self',
]

describe("a method of the code's own class", () => {
  it('is no file access on an instance, a fresh instance, or an instance of a subclass', () => {
    expect(
      fileAccess(
        ...door,
        'd = Door()',
        'd.open()',
        'Door().open()',
        'class Room(Door): pass',
        'Room().open()',
        'e = d',
        'e.open()',
      ),
    ).toEqual([])
  })

  it('is no file access on `self` inside the class, subclasses and all', () => {
    const source = [
      'class Door:',
      '    def open(self): return self',
      '    def close(self): return self.open()',
      'class Room(Door):',
      '    def open(self): return self',
      'Room().close()',
      'Door().close()',
    ]
    expect(fileAccess(...source)).toEqual([])
  })

  it('covers every file method name a class of the code defines', () => {
    const source = [
      'class Store:',
      '    def glob(self, pattern): return []',
      '    def read_text(self): return ""',
      '    def to_csv(self, path): return path',
      '    def read_csv(self, path): return path',
      's = Store()',
      's.glob("*.csv"), s.read_text(), s.to_csv("out.csv"), s.read_csv("in.csv")',
    ]
    expect(fileAccess(...source)).toEqual([])
  })

  it('keeps refusing when a base is a library class or unknown', () => {
    expect(
      fileAccess('import pathlib', 'class Door(pathlib.Path): pass', "Door('x').open()"),
    ).toEqual(["3 Door('x').open()"])
    expect(fileAccess('class P(SomeUnknownBase): pass', 'P().open()')).toEqual(['2 P().open()'])
    expect(
      fileAccess('class P(SomeUnknownBase):', '    def open(self): pass', 'P().open()'),
    ).toEqual(['3 P().open()'])
    expect(
      fileAccess('import pathlib', ...door, 'class Q(Door, pathlib.Path): pass', 'Q().open()'),
    ).toEqual(['6 Q().open()'])
  })

  it('keeps refusing when the name may hold something else', () => {
    expect(
      fileAccess('import pathlib', ...door, 'd = Door()', "d = pathlib.Path('x')", 'd.open()'),
    ).toEqual(['7 d.open()'])
    expect(fileAccess('def f(x): return x.open()')).toEqual(['1 x.open()'])
    expect(
      fileAccess('import pathlib', ...door, 'Door = pathlib.Path', "Door('x').open()"),
    ).toEqual(["6 Door('x').open()"])
    expect(fileAccess(...door, 'd = Door()', 'd.x.open()')).toEqual(['5 d.x.open()'])
    expect(
      fileAccess('from pathlib import Path', ...door, 'd = Door()', "d = Path('x')", 'd.open()'),
    ).toEqual(['7 d.open()'])
    expect(
      fileAccess('import pathlib', 'def Door(): return pathlib.Path("x")', 'Door().open()'),
    ).toEqual(['3 Door().open()'])
    expect(fileAccess(...door, 'with Door() as d: d.open()')).toEqual(['4 d.open()'])
    expect(fileAccess(...door, 'd = Door()', 'e = d.x', 'e.open()')).toEqual(['6 e.open()'])
  })

  it('keeps refusing a method the class does not define with a plain `def`', () => {
    expect(fileAccess('class Empty: pass', 'Empty().read_text()')).toEqual([
      '2 Empty().read_text()',
    ])
    expect(
      fileAccess('import numpy as np', 'class Door:', '    open = np.load', 'Door().open("a")'),
    ).toEqual(['4 Door().open("a")'])
    expect(
      fileAccess('class Door:', '    @staticmethod', '    def open(p): pass', 'Door().open("a")'),
    ).toEqual(['4 Door().open("a")'])
  })

  it('keeps refusing classes whose statement or hooks change what calling or lookup does', () => {
    const refused = (statement: string[], call: string) =>
      fileAccess(...statement, '    def open(self): pass', call)
    expect(refused(['class Door(metaclass=Meta):'], 'Door().open()')).toEqual(['3 Door().open()'])
    expect(refused(['@decorate', 'class Door:'], 'Door().open()')).toEqual(['4 Door().open()'])
    for (const hook of ['__getattr__', '__getattribute__', '__new__']) {
      const statement = ['class Door:', `    def ${hook}(self, *a): pass`]
      expect(refused(statement, 'Door().open()')).toEqual(['4 Door().open()'])
    }
    expect(
      fileAccess(
        'class Door:',
        '    def __getattr__(self, name): pass',
        'class Room(Door):',
        '    def open(self): pass',
        'Room().open()',
      ),
    ).toEqual(['5 Room().open()'])
  })

  it('keeps refusing once the code puts another method of that name anywhere', () => {
    const planted = (line: string) => fileAccess(...door, 'd = Door()', line, 'd.open()')
    expect(planted('d.open = reader')).toEqual(['6 d.open()'])
    expect(planted('Door.open = reader')).toEqual(['6 d.open()'])
    expect(planted('[d][0].open = reader')).toEqual(['6 d.open()'])
    expect(planted("setattr(d, 'open', reader)")).toEqual(['6 d.open()'])
    expect(planted('functools.update_wrapper(d, other, assigned=names)')).toEqual(['6 d.open()'])
  })

  it('keeps refusing `self` calls when the method can be called on anything else', () => {
    const close = '    def close(self): return self.open()'
    expect(fileAccess('import pathlib', ...door, close, "Door.close(pathlib.Path('x'))")).toEqual([
      '5 self.open()',
    ])
    expect(fileAccess(...door, close, 'type(Door()).close(x)')).toEqual(['4 self.open()'])
    expect(
      fileAccess('import pathlib', ...door, close, 'class Evil(pathlib.Path, Door): pass'),
    ).toEqual(['5 self.open()'])
    expect(fileAccess(...door, close, '    helper = close')).toEqual(['4 self.open()'])
  })
})
