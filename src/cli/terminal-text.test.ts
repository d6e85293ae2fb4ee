import { describe, expect, it } from 'vitest'
import { escapeControlCharacters, terminalSafeJson } from './terminal-text.js'

describe('escapeControlCharacters', () => {
  it('shows SGR 8 (conceal) instead of letting it hide what follows', () => {
    expect(escapeControlCharacters('fake status\x1b[8m')).toBe('fake status\\x1b[8m')
  })

  it('shows an OSC 52 clipboard write ended by BEL', () => {
    expect(escapeControlCharacters('\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07')).toBe(
      '\\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\\x07',
    )
  })

  it('shows an OSC 52 clipboard write ended by ST (ESC \\)', () => {
    expect(escapeControlCharacters('\x1b]52;c;aGk=\x1b\\')).toBe('\\x1b]52;c;aGk=\\x1b\\')
  })

  it('shows CSI cursor moves and line erases', () => {
    expect(escapeControlCharacters('\x1b[1A\x1b[2K\x1b[10;20H')).toBe(
      '\\x1b[1A\\x1b[2K\\x1b[10;20H',
    )
  })

  it('shows a lone CR, so nothing can be written over a line', () => {
    expect(escapeControlCharacters('[tinyagent-sandbox] error\r[tinyagent-sandbox] ok\n')).toBe(
      '[tinyagent-sandbox] error\\x0d[tinyagent-sandbox] ok\n',
    )
    expect(escapeControlCharacters('at the end\r')).toBe('at the end\\x0d')
  })

  it('keeps \\n, \\t and CRLF line endings', () => {
    expect(escapeControlCharacters('a\tb\nc\r\nd\r\r\n')).toBe('a\tb\nc\r\nd\\x0d\r\n')
  })

  it('shows the C1 CSI U+009B, DEL, NUL, backspace and the other C0 controls', () => {
    expect(escapeControlCharacters('\u009b2J\u0085\x7f\x00\x08\x0b\x0c\x1f')).toBe(
      '\\x9b2J\\x85\\x7f\\x00\\x08\\x0b\\x0c\\x1f',
    )
  })

  it('leaves valid UTF-8 text and emoji untouched', () => {
    const text = 'héllo wörld · 日本語 · ✓ · 🐍👩‍💻 · ¡ ÿ \u00a0\u00a0\n'
    expect(escapeControlCharacters(text)).toBe(text)
  })
})

describe('terminalSafeJson', () => {
  it('writes DEL and the C1 controls as \\u escapes, keeping the parsed value', () => {
    const value = { stdout: '\u009b2J\x7f\x1b[8m🐍' }
    const json = terminalSafeJson(value)
    expect(json).toBe('{"stdout":"\\u009b2J\\u007f\\u001b[8m🐍"}')
    expect(JSON.parse(json)).toStrictEqual(value)
  })
})
