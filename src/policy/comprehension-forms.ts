import type { SyntaxNode } from '@lezer/common'
import { bindTarget } from './binding-forms.js'
import type { FormHandler, Walk } from './name-walker.js'
import { Scope } from './scope.js'
import { childrenOf, isBracket, splitAtCommas } from './syntax-nodes.js'

/**
 * Comprehensions and call arguments. Lezer gives a comprehension no node of its own for the
 * `for … in … if …` clauses (and none at all for a generator passed as the only argument), so
 * the clauses are read off the flat list of children.
 */

type ClausePart = 'element' | 'targets' | 'iterable' | 'condition'

/**
 * A comprehension runs in its own scope, except its first iterable, which Python evaluates in
 * the scope around it (so `[os for os in os.listdir()]` still reads the outer `os`).
 */
function comprehension(walk: Walk, parts: readonly SyntaxNode[], scope: Scope): void {
  const inner = new Scope('comprehension', scope)
  let part: ClausePart = 'element'
  let iterables = 0
  for (const node of parts) {
    if (node.name === 'async') continue
    if (node.name === 'for') part = 'targets'
    else if (node.name === 'in' && part === 'targets') part = 'iterable'
    else if (node.name === 'if' && part !== 'element') part = 'condition'
    else if (part === 'targets') bindTarget(walk, node, inner, 'assignment')
    else if (part === 'iterable') walk.visit(node, iterables++ === 0 ? scope : inner)
    else walk.visit(node, inner)
  }
}

const bracketedComprehension: FormHandler = (walk, node, scope) => {
  comprehension(
    walk,
    childrenOf(node).filter((child) => !isBracket(child)),
    scope,
  )
}

/**
 * Call arguments: `f(a, key=v, n:=3, *args, **kw)` or `f(x for x in y)`. A keyword name is
 * neither read nor bound; a walrus binds in the enclosing scope.
 */
const argumentList: FormHandler = (walk, node, scope) => {
  const children = childrenOf(node).filter((child) => !isBracket(child))
  const forAt = children.findIndex((child) => child.name === 'for')
  // A generator argument's targets may hold commas (`for a, b in pairs`), so it is cut off
  // before splitting the rest at commas.
  const generatorStart =
    forAt === -1
      ? children.length
      : children.findLastIndex((c, i) => i < forAt && c.name === ',') + 1
  for (const item of splitAtCommas(children.slice(0, generatorStart))) argument(walk, item, scope)
  if (forAt !== -1) comprehension(walk, children.slice(generatorStart), scope)
}

function argument(walk: Walk, item: readonly SyntaxNode[], scope: Scope): void {
  const [first, operator, ...value] = item
  if (first?.name === 'VariableName' && operator?.name === 'AssignOp') {
    if (walk.text(operator) === ':=') walk.bind(first, scope.walrusTarget(), 'assignment')
    walk.visitAll(value, scope)
    return
  }
  walk.visitAll(item, scope)
}

export const COMPREHENSION_FORMS: ReadonlyArray<readonly [string, FormHandler]> = [
  ['ArrayComprehensionExpression', bracketedComprehension],
  ['ComprehensionExpression', bracketedComprehension],
  ['SetComprehensionExpression', bracketedComprehension],
  ['DictionaryComprehensionExpression', bracketedComprehension],
  ['ArgList', argumentList],
]
