import type { SyntaxNode } from '@lezer/common'
import type { Walk } from './name-walker.js'
import type { AliasSource, ClassStatement, Held, KnownValue, Scope } from './scope.js'
import { childrenOf, isBracket } from './syntax-nodes.js'

/**
 * What the walk can tell a name holds, read off the syntax: an alias of another name, an
 * instance made by calling a plain name, a class or a plain function. Whether that class is
 * one the rules can trust is decided later, once every binding is known (local-classes.ts).
 */

/** `m = np.lib` holds an alias, `d = Door(…)` an instance; anything else nothing known. */
export function heldBy(walk: Walk, value: SyntaxNode | undefined, scope: Scope): Held | undefined {
  const alias = walk.aliasOf(value, scope)
  if (alias !== undefined) return { alias }
  const instance = instanceOf(walk, value, scope)
  return instance === undefined ? undefined : { value: instance }
}

/** `Door(…)`: a call of a plain name, which holds whatever calling that name returned. */
export function instanceOf(
  walk: Walk,
  value: SyntaxNode | undefined,
  scope: Scope,
): KnownValue | undefined {
  const callee = value?.name === 'CallExpression' ? value.firstChild : null
  if (callee?.name !== 'VariableName') return undefined
  const of: AliasSource = { name: walk.text(callee), attributes: [], scope, at: callee.from }
  return { kind: 'instance', of }
}

/** `@d` before a `def` or `class`: the decorator may return anything. */
export function isDecorated(definition: SyntaxNode): boolean {
  return definition.parent?.name === 'DecoratedStatement'
}

/** The statement's name and, when each is a plain name, its bases (read in `outer`). */
export function readClassStatement(
  walk: Walk,
  node: SyntaxNode,
  outer: Scope,
): ClassStatement | undefined {
  const name = node.getChild('VariableName')
  if (name === null) return undefined
  const plain = !isDecorated(node) && node.getChild('TypeParamList') === null
  return { name: walk.text(name), bases: plain ? plainBases(walk, node, outer) : undefined }
}

/** `class A(B, C)`: `B` and `C`; undefined for a keyword, a starred or a dotted base. */
function plainBases(walk: Walk, node: SyntaxNode, outer: Scope): AliasSource[] | undefined {
  const list = node.getChild('ArgList')
  if (list === null) return []
  const bases: AliasSource[] = []
  for (const child of childrenOf(list)) {
    if (isBracket(child) || child.name === ',') continue
    if (child.name !== 'VariableName') return undefined
    bases.push({ name: walk.text(child), attributes: [], scope: outer, at: child.from })
  }
  return bases
}
