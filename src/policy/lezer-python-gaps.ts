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
 * Gaps not recognised here (star expressions in subscripts, `a[*idx]`; operator chains of more
 * than about 600 terms) leave an error that parse-python.ts cannot confirm: the code is then
 * reported as not analysable, never as a syntax error. Known gaps the other way (Python
 * rejects, lezer accepts, and the container reports it when the code runs): indentation
 * errors, `return` outside a function, misplaced keyword arguments, `1.__class__`.
 */
export function isLezerGap(error: SyntaxNode, source: string): boolean {
  return (
    isBareYield(error) ||
    isEmptyClassPattern(error) ||
    isParenthesizedWith(error, source) ||
    isPrintAsName(error) ||
    isTrailingDotFloat(error, source) ||
    isExpressionDecorator(error) ||
    isWithTargetTuple(error, source)
  )
}

/** A form feed, with only blanks around it, alone on its line (or before a comment). */
const FORM_FEED_LINE = /^[ \t\f]*\f[ \t\f]*(?=#|\r|\n|$)/gm

/**
 * The source as lezer should read it, with every offset kept: a form feed on a line of its
 * own (a page break, as in the email package) is a blank line to Python but content to
 * lezer's indentation tracker, so it becomes a space.
 */
export function sourceForLezer(source: string): string {
  if (!source.includes('\f')) return source
  return source.replace(FORM_FEED_LINE, (blank) => blank.replaceAll('\f', ' '))
}

/**
 * `1.`, `24.*3600.`, `(1., 0.)`: a float written with a trailing dot, which lezer reads as an
 * attribute access on the integer with the name missing.
 */
function isTrailingDotFloat(error: SyntaxNode, source: string): boolean {
  const member = error.parent
  const number = member?.firstChild
  const dot = error.prevSibling
  return (
    error.from === error.to &&
    member?.name === 'MemberExpression' &&
    number?.name === 'Number' &&
    dot?.name === '.' &&
    dot.from === number.to &&
    number.nextSibling?.name === '.' &&
    /^[ \t]*$/.test(source.slice(dot.to, error.from))
  )
}

/**
 * PEP 614 (Python 3.9): any expression may follow `@` (`@buttons[0].clicked.connect`,
 * `@lambda f: f`); lezer knows only dotted names and calls. It stops at the `@` or after
 * the name, and reads the rest as an expression statement, whose names are walked as usual.
 */
function isExpressionDecorator(error: SyntaxNode): boolean {
  if (error.from !== error.to) return false
  if (error.parent?.name === 'Decorator') return true
  return error.parent?.name === 'DecoratedStatement' && error.prevSibling?.name === 'Decorator'
}

/**
 * `with open(a) as (f, g):`: a tuple or list target, which lezer does not expect after `as`.
 * It stops after `as` and reads `(f, g):` as an annotated assignment with the type missing.
 */
function isWithTargetTuple(error: SyntaxNode, source: string): boolean {
  if (error.from !== error.to) return false
  const parent = error.parent
  if (parent?.name === 'WithStatement') {
    return error.prevSibling?.name === 'as' && /^[ \t]*[([]/.test(source.slice(error.from))
  }
  const statement = parent?.name === 'TypeDef' ? parent.parent : null
  const target = statement?.firstChild
  const header = statement?.prevSibling
  return (
    statement?.name === 'AssignStatement' &&
    (target?.name === 'TupleExpression' || target?.name === 'ArrayExpression') &&
    header?.name === 'WithStatement' &&
    header.lastChild?.type.isError === true &&
    header.lastChild.to === target.from &&
    error.prevSibling?.name === ':'
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
