import { describe, expect, it } from 'vitest'
import { SourcePositions } from './source-positions.js'

describe('SourcePositions', () => {
  it('numbers lines after LF, CRLF and a lone CR alike', () => {
    const source = 'a\nb\r\nc\rd'
    const positions = new SourcePositions(source)
    expect(['a', 'b', 'c', 'd'].map((ch) => positions.at(source.indexOf(ch)))).toEqual([
      { line: 1, column: 1 },
      { line: 2, column: 1 },
      { line: 3, column: 1 },
      { line: 4, column: 1 },
    ])
  })

  it('counts columns in characters, so an emoji before the offset counts once', () => {
    const source = 's = "😀"; eval(x)'
    expect(new SourcePositions(source).at(source.indexOf('eval'))).toEqual({ line: 1, column: 10 })
  })

  it('quotes short excerpts exactly', () => {
    expect(new SourcePositions('eval("1")').excerpt(0, 9)).toBe('eval("1")')
  })

  it('cuts excerpts at 80 characters', () => {
    const source = `eval("${'a'.repeat(100)}")`
    const text = new SourcePositions(source).excerpt(0, source.length)
    expect(text).toHaveLength(80)
    expect(text.endsWith('aaa…')).toBe(true)
  })

  it('cuts excerpts at the first line break', () => {
    const source = 'open(\n    "data.csv")'
    expect(new SourcePositions(source).excerpt(0, source.length)).toBe('open(…')
  })
})
