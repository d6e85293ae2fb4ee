import type { Tree } from '@lezer/common'
import { parser } from '@lezer/python'
import { isLezerGap, python2Construct, sourceForLezer } from './lezer-python-gaps.js'
import type { SourcePositions } from './source-positions.js'
import { confirmsSyntaxError } from './syntax-confirmation.js'
import type { SyntaxProblem } from './types.js'

/** Error recovery cascades; past the first few, more problems only bury the real one. */
const MAX_PROBLEMS = 10
/** How much of the offending line a message quotes. */
const NEAR_LENGTH = 20

export interface ParsedPython {
  readonly tree: Tree
  /** Problems Python certainly reports too: the code is not valid Python. */
  readonly syntaxErrors: readonly SyntaxProblem[]
  /**
   * Where lezer failed but nothing proves that Python would (empty when `syntaxErrors` is
   * not): the code may be valid Python the grammar does not know, so it was not fully analysed.
   */
  readonly unparsed: readonly SyntaxProblem[]
}

/**
 * Parses with @lezer/python, which never throws: it recovers from errors by inserting error
 * nodes. Each one that is not a known grammar gap is a problem; they are syntax errors when
 * syntax-confirmation.ts proves the code invalid (or a Python 2 construct does), and
 * otherwise code the policy could not analyse.
 */
export function parsePython(source: string, positions: SourcePositions): ParsedPython {
  const tree = parser.parse(sourceForLezer(source))
  const problems = new Map<string, SyntaxProblem>()
  const errorOffsets: number[] = []
  let certain = false
  const add = (from: number, message: string) => {
    const { line, column } = positions.at(from)
    const key = `${line}:${column}`
    if (problems.size < MAX_PROBLEMS && !problems.has(key))
      problems.set(key, { line, column, message })
  }
  tree.iterate({
    enter(ref) {
      if (ref.type.isError) {
        const node = ref.node
        if (isLezerGap(node, source)) return
        errorOffsets.push(node.from)
        add(node.from, describeError(source, node, positions))
        return
      }
      if (ref.name === 'PrintStatement' || ref.name === 'TryStatement') {
        const construct = python2Construct(ref.node, source)
        if (construct !== undefined) {
          certain = true
          add(construct.from, construct.message)
        }
      }
    },
  })
  const found = [...problems.values()].sort((a, b) => a.line - b.line || a.column - b.column)
  if (found.length === 0) return { tree, syntaxErrors: [], unparsed: [] }
  return certain || confirmsSyntaxError(source, errorOffsets)
    ? { tree, syntaxErrors: found, unparsed: [] }
    : { tree, syntaxErrors: [], unparsed: found }
}

function describeError(
  source: string,
  error: { from: number; to: number },
  positions: SourcePositions,
): string {
  const skipped = source.slice(error.from, error.to).trim()
  const near = (
    skipped === '' ? positions.restOfLine(error.from).trim() : skipped.split(/\r?\n|\r/)[0]
  )?.slice(0, NEAR_LENGTH)
  if (near !== undefined && near !== '') return `invalid syntax near \`${near}\``
  const atEnd = source.slice(error.from).trim() === ''
  return atEnd
    ? 'invalid syntax: unexpected end of input'
    : 'invalid syntax: unexpected end of line'
}
