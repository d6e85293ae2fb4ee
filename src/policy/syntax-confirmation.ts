/**
 * Whether an error lezer reports is certainly one Python reports too. @lezer/python is an
 * editor grammar and refuses some valid Python (lezer-python-gaps.ts lists the known cases), so
 * an error node alone is no proof. These checks are cheap and prove a syntax error only where
 * Python's grammar leaves no doubt; an error they cannot prove is reported as code the policy
 * could not analyse, never as a syntax error.
 */

/** Python's compound statement headers, which always end with `:` before the line ends. */
const COMPOUND_HEADER = /^[ \t]*(?:if|elif|while|for|def|class|with|try|finally|else)\b/

/** True when the source is certainly invalid Python, judged around each error offset. */
export function confirmsSyntaxError(source: string, errorOffsets: readonly number[]): boolean {
  if (hasUnbalancedBrackets(source)) return true
  return errorOffsets.some(
    (offset) => isImpossiblePair(source, offset) || isHeaderWithoutColon(source, offset),
  )
}

/**
 * `def f(:`, `x = = 1`: the last significant character before the error and the first at it.
 * `==` only counts with a blank between the two, so it is two `=` tokens, never `==`.
 */
function isImpossiblePair(source: string, offset: number): boolean {
  let before = offset - 1
  while (before >= 0 && (source[before] === ' ' || source[before] === '\t')) before--
  let after = offset
  while (source[after] === ' ' || source[after] === '\t') after++
  const previous = source[before]
  const next = source[after]
  if (previous === undefined || next === undefined) return false
  if (previous === '(' && next === ':') return true
  if (previous !== '=' || next !== '=' || after === before + 1) return false
  const assignment = !/[=<>!:+\-*/%&|^@]/.test(source[before - 1] ?? '')
  return assignment && source[after + 1] !== '='
}

/** `if x` with nothing more on the line: a compound statement header without its colon. */
function isHeaderWithoutColon(source: string, offset: number): boolean {
  const lineStart = source.lastIndexOf('\n', offset - 1) + 1
  const rest = source.slice(offset).match(/^[^\r\n]*/)?.[0] ?? ''
  if (rest.trim() !== '') return false
  const line = source.slice(lineStart, offset)
  // Only a line without colon, bracket, string or continuation: its end is the header's end.
  return COMPOUND_HEADER.test(line) && !/[:()[\]{}'"#\\]/.test(line)
}

const CLOSING: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' }

/**
 * Brackets that do not pair up outside strings and comments, or a string left open at the
 * end: the tokenizer's own error, whatever the grammar. F-string replacement fields are
 * skipped with their string; that only ever misses an error, never invents one.
 */
function hasUnbalancedBrackets(source: string): boolean {
  const open: string[] = []
  let i = 0
  while (i < source.length) {
    const ch = source[i] as string
    if (ch === '#') {
      while (i < source.length && source[i] !== '\n' && source[i] !== '\r') i++
    } else if (ch === '"' || ch === "'") {
      const end = stringEnd(source, i)
      if (end === undefined) return true
      i = end
      continue
    } else if (ch === '(' || ch === '[' || ch === '{') {
      open.push(ch)
    } else if (ch in CLOSING) {
      if (open.pop() !== CLOSING[ch]) return true
    }
    i++
  }
  return open.length > 0
}

/** The offset after the string literal starting at `start`; undefined if it never closes. */
function stringEnd(source: string, start: number): number | undefined {
  const quote = source[start] as string
  const triple = source.startsWith(quote.repeat(3), start)
  const delimiter = triple ? quote.repeat(3) : quote
  let i = start + delimiter.length
  while (i < source.length) {
    const ch = source[i]
    if (ch === '\\') i += 2
    else if (source.startsWith(delimiter, i)) return i + delimiter.length
    else if (!triple && (ch === '\n' || ch === '\r')) return undefined
    else i++
  }
  return undefined
}
