import type { SyntaxNode } from '@lezer/common'
import { heldBy } from './known-values.js'
import type { FormHandler, Walk } from './name-walker.js'
import type { BindingKind, Held, Scope } from './scope.js'
import { childrenOf } from './syntax-nodes.js'

/**
 * Statements and patterns that bind names: assignments, loops, `with`/`except` targets,
 * `del`, `global`/`nonlocal`, the walrus, and `match` captures. Everything else in them is
 * walked as expressions.
 */

/** `a, b = …`, `[a, b] = …`, `(a) = …`: targets that unpack into names. */
const UNPACKING = new Set(['TupleExpression', 'ArrayExpression', 'ParenthesizedExpression'])

/**
 * Binds an assignment target; `a.b = 1` and `a[0] = 1` read `a` instead of binding (and
 * `a.b = 1` is recorded as a store). `held` is what a plain name target now holds.
 */
export function bindTarget(
  walk: Walk,
  target: SyntaxNode,
  scope: Scope,
  kind: BindingKind,
  statement?: SyntaxNode,
  held?: Held,
): void {
  if (target.name === 'VariableName') {
    walk.bind(target, scope, kind, statement, held)
  } else if (UNPACKING.has(target.name)) {
    for (const part of childrenOf(target)) bindTarget(walk, part, scope, kind, statement)
  } else if (target.name === 'MemberExpression') {
    walk.store(target, scope)
  } else {
    walk.visit(target, scope)
  }
}

const assignment: FormHandler = (walk, node, scope) => {
  const children = childrenOf(node)
  const lastAssign = children.findLastIndex((child) => child.name === 'AssignOp')
  // `x: int` alone only annotates: nothing is bound for certain, so no statement is passed.
  const statement = lastAssign === -1 ? undefined : node
  const targetsEnd = lastAssign === -1 ? children.length : lastAssign
  // `e = eval`, `a = b = np.lib`: each plain name target becomes an alias of the value.
  const values = lastAssign === -1 ? [] : children.slice(lastAssign + 1)
  const held = values.length === 1 ? heldBy(walk, values[0], scope) : undefined
  children.forEach((child, index) => {
    if (index >= targetsEnd || child.name === 'TypeDef') walk.visit(child, scope)
    else bindTarget(walk, child, scope, 'assignment', statement, held)
  })
}

/** `x += 1` reads `x` and binds it again. */
const update: FormHandler = (walk, node, scope) => {
  const [target, ...rest] = childrenOf(node)
  if (target?.name === 'VariableName') {
    walk.visit(target, scope)
    walk.bind(target, scope, 'assignment')
  } else if (target?.name === 'MemberExpression') {
    walk.store(target, scope)
  } else if (target !== undefined) {
    walk.visit(target, scope)
  }
  walk.visitAll(rest, scope)
}

const forLoop: FormHandler = (walk, node, scope) => {
  const children = childrenOf(node)
  const forAt = children.findIndex((child) => child.name === 'for')
  const inAt = children.findIndex((child) => child.name === 'in')
  children.forEach((child, index) => {
    if (index > forAt && index < inAt) bindTarget(walk, child, scope, 'assignment')
    else walk.visit(child, scope)
  })
}

/** Binds the name after `as` (and after `,` in `except E, e`, Python 2's spelling). */
function bindAfter(...markers: string[]): FormHandler {
  return (walk, node, scope) => {
    const children = childrenOf(node)
    children.forEach((child, index) => {
      const previous = children[index - 1]?.name ?? ''
      if (child.name === 'VariableName' && markers.includes(previous)) {
        walk.bind(child, scope, 'assignment')
      } else {
        walk.visit(child, scope)
      }
    })
  }
}

const deletion: FormHandler = (walk, node, scope) => {
  for (const child of childrenOf(node)) bindTarget(walk, child, scope, 'delete')
}

const scopeDeclaration: FormHandler = (walk, node, scope) => {
  const [keyword, ...names] = childrenOf(node)
  for (const name of names) {
    if (name.name !== 'VariableName') continue
    if (keyword?.name === 'nonlocal') scope.declareNonlocal(walk.text(name))
    else scope.declareGlobal(walk.text(name))
  }
}

/** `(y := f(x))`: inside a comprehension the name belongs to the scope around it. */
const walrus: FormHandler = (walk, node, scope) => {
  const [target, ...rest] = childrenOf(node)
  const value = rest.filter((child) => child.name !== 'AssignOp')
  const held = value.length === 1 ? heldBy(walk, value[0], scope) : undefined
  if (target?.name === 'VariableName')
    walk.bind(target, scope.walrusTarget(), 'assignment', undefined, held)
  else if (target !== undefined) walk.visit(target, scope)
  walk.visitAll(rest, scope)
}

const capture: FormHandler = (walk, node, scope) => {
  for (const child of childrenOf(node)) bindTarget(walk, child, scope, 'assignment')
}

/** `case Point(x=0)`: `x` names an attribute of the matched object, not a variable. */
const keywordPattern: FormHandler = (walk, node, scope) => {
  walk.visitAll(childrenOf(node).slice(1), scope)
}

export const BINDING_FORMS: ReadonlyArray<readonly [string, FormHandler]> = [
  ['AssignStatement', assignment],
  ['UpdateStatement', update],
  ['ForStatement', forLoop],
  ['WithStatement', bindAfter('as')],
  ['TryStatement', bindAfter('as', ',')],
  ['AsPattern', bindAfter('as')],
  ['DeleteStatement', deletion],
  ['ScopeStatement', scopeDeclaration],
  ['NamedExpression', walrus],
  ['CapturePattern', capture],
  ['KeywordPattern', keywordPattern],
]
