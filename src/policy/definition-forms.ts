import type { SyntaxNode } from '@lezer/common'
import { isDecorated, readClassStatement } from './known-values.js'
import type { FormHandler, Walk } from './name-walker.js'
import { type KnownValue, Scope } from './scope.js'
import { childrenOf } from './syntax-nodes.js'

/**
 * Definitions: `def`, `class`, `lambda`, decorators and `type` aliases. Each new function or
 * class gets its own scope; decorators, defaults, annotations and base classes are evaluated
 * in the scope around the definition, as Python does.
 */

const functionDefinition: FormHandler = (walk, node, scope) => {
  const inner = new Scope('function', scope)
  const plain = !isDecorated(node)
  // A method's first parameter is the instance it is called on, unless a decorator says otherwise.
  const self: KnownValue | undefined =
    plain && scope.kind === 'class' ? { kind: 'self', body: scope } : undefined
  let named = false
  for (const child of childrenOf(node)) {
    if (child.name === 'VariableName' && !named) {
      named = true
      walk.bind(child, scope, 'definition', node, plain ? { value: FUNCTION } : undefined)
    } else if (child.name === 'TypeParamList') bindTypeParameters(walk, child, inner, scope)
    else if (child.name === 'ParamList') bindParameters(walk, child, inner, scope, self)
    else walk.visit(child, child.name === 'Body' ? inner : scope)
  }
}

const FUNCTION: KnownValue = { kind: 'function' }

const classDefinition: FormHandler = (walk, node, scope) => {
  const inner = new Scope('class', scope, readClassStatement(walk, node, scope))
  walk.classBody(inner)
  let named = false
  for (const child of childrenOf(node)) {
    if (child.name === 'VariableName' && !named) {
      named = true
      walk.bind(child, scope, 'definition', node, { value: { kind: 'class', body: inner } })
    } else if (child.name === 'TypeParamList') bindTypeParameters(walk, child, inner, scope)
    else walk.visit(child, child.name === 'Body' ? inner : scope)
  }
}

const lambda: FormHandler = (walk, node, scope) => {
  const inner = new Scope('function', scope)
  for (const child of childrenOf(node)) {
    if (child.name === 'ParamList') bindParameters(walk, child, inner, scope)
    else walk.visit(child, inner)
  }
}

/**
 * Parameter names bind inside; a name right after `=` is a default value, read outside, and
 * one of the values the parameter may hold (`def f(o=os)` makes `o` possibly `os`). `first`
 * is what a plain first parameter (no default, not starred) holds, when that is known.
 */
function bindParameters(
  walk: Walk,
  list: SyntaxNode,
  inner: Scope,
  outer: Scope,
  first?: KnownValue,
): void {
  const children = childrenOf(list)
  children.forEach((child, index) => {
    if (child.name === 'VariableName' && children[index - 1]?.name !== 'AssignOp') {
      const hasDefault = children[index + 1]?.name === 'AssignOp'
      const alias = hasDefault ? walk.aliasOf(children[index + 2], outer) : undefined
      const value = index === 1 && !hasDefault ? first : undefined
      walk.bind(child, inner, 'parameter', undefined, { alias, value })
    } else {
      walk.visit(child, outer)
    }
  })
}

/** `def f[T: int](x: T)`: `T` binds inside, its bound is read outside. */
function bindTypeParameters(walk: Walk, list: SyntaxNode, inner: Scope, outer: Scope): void {
  for (const parameter of list.getChildren('TypeParam')) {
    for (const child of childrenOf(parameter)) {
      if (child.name === 'VariableName') walk.bind(child, inner, 'parameter')
      else walk.visit(child, outer)
    }
  }
}

/** `@a.b.c(args)`: lezer spells the dotted name as names, not attribute accesses. */
const decorator: FormHandler = (walk, node, scope) => {
  const [first, ...rest] = node.getChildren('VariableName')
  const args = node.getChild('ArgList')
  if (first !== undefined) {
    const last = rest[rest.length - 1] ?? first
    walk.use(
      first,
      rest.map((name) => walk.text(name)),
      scope,
      args?.to ?? last.to,
    )
  }
  if (args !== null) walk.visit(args, scope)
}

/** `type Alias[T] = ...`: binds `Alias` like an assignment. */
const typeAlias: FormHandler = (walk, node, scope) => {
  let named = false
  for (const child of childrenOf(node)) {
    if (child.name === 'VariableName' && !named) {
      named = true
      walk.bind(child, scope, 'assignment', node)
    } else if (child.name === 'TypeParamList') bindTypeParameters(walk, child, scope, scope)
    else walk.visit(child, scope)
  }
}

export const DEFINITION_FORMS: ReadonlyArray<readonly [string, FormHandler]> = [
  ['FunctionDefinition', functionDefinition],
  ['ClassDefinition', classDefinition],
  ['LambdaExpression', lambda],
  ['Decorator', decorator],
  ['TypeDefinition', typeAlias],
]
