import { describe, expect, it } from 'vitest'
import { confirmsSyntaxError } from './syntax-confirmation.js'

describe('confirmsSyntaxError', () => {
  it('confirms brackets that do not pair up, outside strings and comments', () => {
    expect(confirmsSyntaxError('x = (1,\n', [])).toBe(true)
    expect(confirmsSyntaxError('x = [1)\n', [])).toBe(true)
    expect(confirmsSyntaxError('x = "(" # [\ny = """\n)"""\n', [])).toBe(false)
  })

  it('confirms a string left open', () => {
    expect(confirmsSyntaxError('x = "abc\n', [])).toBe(true)
    expect(confirmsSyntaxError("x = '''abc\n", [])).toBe(true)
  })

  it('confirms `(:` and two assignments in a row at the error', () => {
    expect(confirmsSyntaxError('def f(:\n    pass\n', [6])).toBe(true)
    expect(confirmsSyntaxError('c = = 3\n', [4])).toBe(true)
    expect(confirmsSyntaxError('c == 3\n', [3])).toBe(false)
  })

  it('confirms a compound statement header without its colon', () => {
    expect(confirmsSyntaxError('if x\n    pass\n', [4])).toBe(true)
    expect(confirmsSyntaxError('if x: y = f(1)\n', [14])).toBe(false)
  })

  it('confirms nothing about an error it cannot judge', () => {
    expect(confirmsSyntaxError('x = a[*idx]\n', [6])).toBe(false)
  })
})
