import type { SyntaxNode } from '@lezer/common'

/**
 * Where @lezer/python (an editor grammar, 1.1.x) and Python 3 disagree about validity.
 *
 * Refusing valid code is the costly mistake here, so error nodes that lezer produces for valid
 * Python are recognised and dropped: zero-length ones (an inserted token, nothing skipped) and
 * ones holding punctuation in a recognised place. The name walk still visits everything in
 * and around them, so no name escapes the checks; a real error dropped by mistake only means
 * Python reports it when the code runs.
 *
 * Known gaps left alone (lezer reports an error, so valid code is refused): PEP 614 decorators
 * (`@buttons[0].clicked`), star expressions in subscripts (`a[*idx]`), and operator chains of
 * more than about 600 terms (`1 + 1 + … + 1`). Known gaps the other way (Python rejects,
 * lezer accepts, and the container reports it when the code runs): indentation errors,
 * `return` outside a function, misplaced keyword arguments.
 */
export function isLezerGap(error: SyntaxNode, source: string): boolean {
  return (
    isBareYield(error) ||
    isEmptyClassPattern(error) ||
    isParenthesizedWith(error, source) ||
    isPrintAsName(error)
  )
}

/**
 * `print = log`, `print, x`, `print is None`: Python 3 reads `print` as a name here, lezer as
 * the start of a Python 2 print statement, and stumbles on the token after it.
 */
function isPrintAsName(error: SyntaxNode): boolean {
  return error.parent?.name === 'PrintStatement' && error.prevSibling?.name === 'print'
}

/** `yield` with no value (`x = yield`, a bare `yield` statement): lezer wants a value. */
function isBareYield(error: SyntaxNode): boolean {
  return error.from === error.to && error.prevSibling?.name === 'yield'
}

/** `case Point():` with no arguments: lezer wants at least one pattern. */
function isEmptyClassPattern(error: SyntaxNode): boolean {
  const pattern = error.parent
  return (
    error.from === error.to &&
    pattern?.name === 'LiteralPattern' &&
    pattern.from === pattern.to &&
    pattern.parent?.name === 'PatternArgList'
  )
}

/** `with (open(a) as f, open(b) as g):`, valid since Python 3.10, unknown to the grammar. */
function isParenthesizedWith(error: SyntaxNode, source: string): boolean {
  let node: SyntaxNode | null = error.parent
  while (node !== null && node.name !== 'WithStatement') {
    if (node.name === 'Body' || node.name === 'Script') return false
    node = node.parent
  }
  if (node === null) return false
  const keyword = node.getChild('with')
  const body = node.getChild('Body')
  if (keyword === null || body === null || error.from >= body.from) return false
  const header = source.slice(keyword.to, body.from).trim()
  return header.startsWith('(') && header.endsWith(')')
}

/**
 * After `print`, a name, number, string or `{` makes a Python 2 print statement; operators
 * (`print -1`, `print[0]`, `print is None`, `print if a else b`) keep `print` a name in Python 3.
 */
const PYTHON2_PRINT = /^[ \t]*(?!(?:if|and|or|in|is)\b)[\p{L}\p{N}_'"{]/u

/**
 * Python 2 statements lezer still parses but Python 3 rejects; reporting them here gives the
 * author Python's own wording before a container is started.
 */
export function python2Construct(
  node: SyntaxNode,
  source: string,
): { from: number; message: string } | undefined {
  const keyword = node.name === 'PrintStatement' ? node.getChild('print') : null
  if (keyword !== null && PYTHON2_PRINT.test(source.slice(keyword.to, keyword.to + 40))) {
    return {
      from: node.from,
      message: "Missing parentheses in call to 'print'. Did you mean print(...)?",
    }
  }
  const comma = node.name === 'TryStatement' ? node.getChild(',') : null
  if (comma !== null) {
    return { from: comma.from, message: 'multiple exception types must be parenthesized' }
  }
  return undefined
}
