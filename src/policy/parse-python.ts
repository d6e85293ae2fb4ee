import type { Tree } from '@lezer/common'
import { parser } from '@lezer/python'
import { isLezerGap, python2Construct } from './lezer-python-gaps.js'
import type { SourcePositions } from './source-positions.js'
import type { SyntaxProblem } from './types.js'

/** Error recovery cascades; past the first few, more problems only bury the real one. */
const MAX_PROBLEMS = 10
/** How much of the offending line a message quotes. */
const NEAR_LENGTH = 20

export interface ParsedPython {
  readonly tree: Tree
  readonly syntaxErrors: readonly SyntaxProblem[]
}

/**
 * Parses with @lezer/python, which never throws: it recovers from errors by inserting error
 * nodes, and each one that is not a known grammar gap becomes a syntax problem.
 */
export function parsePython(source: string, positions: SourcePositions): ParsedPython {
  const tree = parser.parse(source)
  const problems = new Map<string, SyntaxProblem>()
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
        if (!isLezerGap(node, source)) add(node.from, describeError(source, node, positions))
        return
      }
      if (ref.name === 'PrintStatement' || ref.name === 'TryStatement') {
        const construct = python2Construct(ref.node, source)
        if (construct !== undefined) add(construct.from, construct.message)
      }
    },
  })
  const syntaxErrors = [...problems.values()].sort((a, b) => a.line - b.line || a.column - b.column)
  return { tree, syntaxErrors }
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
