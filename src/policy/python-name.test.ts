import { describe, expect, it } from 'vitest'
import { pythonName } from './python-name.js'

describe('pythonName', () => {
  it('reads look-alike identifiers as Python does (NFKC)', () => {
    expect(pythonName('ｅval')).toBe('eval')
    expect(pythonName('ℯxec')).toBe('exec')
    expect(pythonName('＿＿import＿＿')).toBe('__import__')
  })

  it('leaves ASCII and other letters alone', () => {
    expect(pythonName('total_2')).toBe('total_2')
    expect(pythonName('größe')).toBe('größe')
  })
})
