import type { SyntaxNode } from '@lezer/common'
import type { FormHandler, Walk } from './name-walker.js'
import { childrenOf, isBracket, memberChain, splitAtCommas } from './syntax-nodes.js'

/** A plain string literal that spells an identifier: `"_os"`, `'system'`, `r'path'`. */
const IDENTIFIER_LITERAL = /^[rRuU]?(['"])([A-Za-z_][A-Za-z0-9_]*)\1$/

/**
 * `getattr(random, "_os")` reads `random._os` exactly as the dotted spelling does, so it is
 * recorded as that use (and judged like it: `getattr(os, "path")` is `os.path`). Names built
 * at run time (`getattr(m, "o" + "s")`) are left to a later rule; this one only makes sure
 * the literal spelling is no way around the attribute rules.
 */
const call: FormHandler = (walk, node, scope) => {
  const literal = literalGetattr(walk, node)
  if (literal === undefined) {
    walk.visitAll(childrenOf(node), scope)
  } else {
    walk.use(literal.object, literal.attributes, scope, node.to, node.from)
    walk.visitAll(literal.rest, scope)
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
  const args = node.getChild('ArgList')
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

export const GETATTR_FORMS: ReadonlyArray<readonly [string, FormHandler]> = [
  ['CallExpression', call],
]
