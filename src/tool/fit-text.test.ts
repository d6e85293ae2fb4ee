import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { charLength, describeCut, firstChars, fitText, lastChars } from './fit-text.js'

describe('charLength, firstChars, lastChars', () => {
  it('count an emoji (a surrogate pair) as one character and never split it', () => {
    expect(charLength('a😀b')).toBe(3)
    expect(firstChars('😀😀😀', 2)).toBe('😀😀')
    expect(lastChars('😀😀😀', 1)).toBe('😀')
    expect(firstChars('ab', 5)).toBe('ab')
    expect(lastChars('ab', 0)).toBe('')
  })
})

describe('fitText', () => {
  it('keeps a text that fits whole', () => {
    expect(fitText('hello', 5, 0.75)).toStrictEqual({
      head: 'hello',
      tail: '',
      total: 5,
      headChars: 5,
      tailChars: 0,
    })
  })

  it('keeps the head and tail of a long line and says exactly what was cut', () => {
    const fitted = fitText('x'.repeat(1_048_576), 8_000, 0.75)
    expect([fitted.headChars, fitted.tailChars]).toStrictEqual([6_000, 2_000])
    expect(describeCut(fitted)).toBe(
      '1,048,576 characters, showing the first 6,000 and the last 2,000; 1,040,576 cut in the middle',
    )
    expect(describeCut(fitText('y'.repeat(5_000), 1_000, 1))).toBe(
      '5,000 characters, showing the first 1,000; 4,000 cut at the end',
    )
  })

  it('cuts at a line end when one is near, so the lines shown are whole', () => {
    const lines = Array.from({ length: 1_000 }, (_, i) => `line ${i}`).join('\n')
    const fitted = fitText(lines, 100, 0.5)
    expect(fitted.head.endsWith('\n')).toBe(false)
    expect(fitted.head.split('\n').every((line) => /^line \d+$/.test(line))).toBe(true)
    expect(fitted.tail.split('\n').every((line) => /^line \d+$/.test(line))).toBe(true)
    expect(fitted.tail.endsWith('line 999')).toBe(true)
  })

  it('stays within the budget in characters and keeps every character whole', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'é', '字', '😀', '\n'), maxLength: 400 })
    fc.assert(
      fc.property(text, fc.nat(300), fc.double({ min: 0, max: 1, noNaN: true }), (t, n, share) => {
        const fitted = fitText(t, n, share)
        expect(fitted.headChars + fitted.tailChars).toBeLessThanOrEqual(Math.max(n, 0))
        expect(charLength(fitted.head)).toBe(fitted.headChars)
        expect(t.startsWith(fitted.head) && t.endsWith(fitted.tail)).toBe(true)
        expect(`${fitted.head}${fitted.tail}`).not.toMatch(/\p{Cs}/u)
      }),
    )
  })
})
