import type { SyntaxNode } from '@lezer/common'
import { instanceOf } from './known-values.js'
import type { FormHandler, Walk } from './name-walker.js'
import type { Scope } from './scope.js'
import { childNamed, childrenOf, isBracket, memberChain, splitAtCommas } from './syntax-nodes.js'
import type { CallArgument } from './walk-records.js'

/** A plain string literal that spells an identifier: `"_os"`, `'system'`, `r'path'`. */
const IDENTIFIER_LITERAL = /^[rRuU]?(['"])([A-Za-z_][A-Za-z0-9_]*)\1$/

/**
 * Calls. Each is recorded with its callee chain and arguments for the escape-route and file
 * rules, then walked. `getattr(random, "_os")` also reads `random._os` exactly as the dotted
 * spelling does, so it is recorded as that use and judged like it (`getattr(os, "path")` is
 * `os.path`); names built at run time are the `attribute-by-name` rule's.
 */
const call: FormHandler = (walk, node, scope) => {
  recordCall(walk, node, scope)
  const literal = literalGetattr(walk, node)
  if (literal === undefined) {
    walk.visitAll(childrenOf(node), scope)
  } else {
    walk.use(literal.object, literal.attributes, scope, node.to, node.from)
    walk.visitAll(literal.rest, scope)
  }
}

function recordCall(walk: Walk, node: SyntaxNode, scope: Scope): void {
  const callee = node.firstChild
  const list = childNamed(node, 'ArgList')
  if (callee === null || list === null) return
  const { object, attributes } = memberChain(callee, (n) => walk.text(n))
  const items = childrenOf(list).filter((child) => !isBracket(child))
  // A generator argument (`f(x for x in y)`) is one value, not a list of arguments.
  const generator = items.some((child) => child.name === 'for')
  walk.call({
    name: object.name === 'VariableName' ? walk.text(object) : undefined,
    attributes,
    chainStart: instanceOf(walk, object, scope),
    scope,
    args: generator ? [] : splitAtCommas(items).map((item) => argument(walk, item)),
    callee: walk.text(callee),
    from: node.from,
    to: node.to,
  })
}

function argument(walk: Walk, item: readonly SyntaxNode[]): CallArgument {
  const [first, second] = item
  const starred = first?.name === '*' || first?.name === '**'
  const keyword =
    first?.name === 'VariableName' && second?.name === 'AssignOp' && walk.text(second) === '='
  const valueNodes = item.slice(keyword ? 2 : starred ? 1 : 0)
  const start = valueNodes[0]
  const end = valueNodes[valueNodes.length - 1]
  return {
    keyword: keyword && first !== undefined ? walk.text(first) : undefined,
    starred,
    value: valueNodes.length === 1 ? start : undefined,
    text: start === undefined || end === undefined ? '' : walk.source(start.from, end.to),
  }
}

interface LiteralGetattr {
  /** The name the attribute chain starts at. */
  readonly object: SyntaxNode
  readonly attributes: readonly string[]
  /** Arguments after the attribute name (the default value), still to be walked. */
  readonly rest: readonly SyntaxNode[]
}

function literalGetattr(walk: Walk, node: SyntaxNode): LiteralGetattr | undefined {
  const callee = node.firstChild
  const args = childNamed(node, 'ArgList')
  if (callee?.name !== 'VariableName' || walk.text(callee) !== 'getattr' || args === null) return
  const [target, name, ...rest] = splitAtCommas(childrenOf(args).filter((c) => !isBracket(c)))
  const literal = name?.length === 1 && name[0]?.name === 'String' ? walk.text(name[0]) : ''
  const attribute = IDENTIFIER_LITERAL.exec(literal)?.[2]
  const object = target?.length === 1 ? target[0] : undefined
  if (attribute === undefined || object === undefined) return
  const chain = memberChain(object, (n) => walk.text(n))
  if (chain.object.name !== 'VariableName') return
  const attributes = [...chain.attributes, attribute]
  return { object: chain.object, attributes, rest: rest.flat() }
}

/** The identifier a plain string literal spells (`"_os"` → `_os`), if it spells one. */
export function identifierLiteral(text: string): string | undefined {
  return IDENTIFIER_LITERAL.exec(text)?.[2]
}

export const CALL_FORMS: ReadonlyArray<readonly [string, FormHandler]> = [['CallExpression', call]]
