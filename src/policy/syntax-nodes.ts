import type { SyntaxNode } from '@lezer/common'

/** A node's children in order, without comments (lezer keeps them wherever they appear). */
export function childrenOf(node: SyntaxNode): SyntaxNode[] {
  const children: SyntaxNode[] = []
  for (let child = node.firstChild; child !== null; child = child.nextSibling) {
    if (child.name !== 'Comment') children.push(child)
  }
  return children
}

/**
 * The first child of that type. Cheaper than lezer's `getChild`, which builds a cursor, and
 * this runs for most nodes of every check.
 */
export function childNamed(node: SyntaxNode, name: string): SyntaxNode | null {
  for (let child = node.firstChild; child !== null; child = child.nextSibling) {
    if (child.name === name) return child
  }
  return null
}

/** Splits sibling nodes at each `,` token: the items of a comma-separated list. */
export function splitAtCommas(nodes: readonly SyntaxNode[]): SyntaxNode[][] {
  const items: SyntaxNode[][] = [[]]
  for (const node of nodes) {
    if (node.name === ',') items.push([])
    else items[items.length - 1]?.push(node)
  }
  return items.filter((item) => item.length > 0)
}

/** True when `node` is the function being called in a call expression (`eval` in `eval(x)`). */
export function isCallee(node: SyntaxNode): boolean {
  const call = node.parent
  return (
    call?.name === 'CallExpression' &&
    call.firstChild?.from === node.from &&
    call.firstChild.to === node.to
  )
}

const BRACKETS = new Set(['(', ')', '[', ']', '{', '}'])

/** Brackets around the contents of a list, call or comprehension node. */
export function isBracket(node: SyntaxNode): boolean {
  return BRACKETS.has(node.name)
}

/**
 * Splits `a.b.c` into its innermost object and the attribute names read off it. Subscripts
 * and calls end the chain: for `a[0].b` the object is `a[0]`.
 */
export function memberChain(
  node: SyntaxNode,
  text: (node: SyntaxNode) => string,
): { object: SyntaxNode; attributes: string[] } {
  const attributes: string[] = []
  let object = node
  for (;;) {
    const property = object.name === 'MemberExpression' ? childNamed(object, 'PropertyName') : null
    const inner = object.firstChild
    if (property === null || inner === null) break
    attributes.unshift(text(property))
    object = inner
  }
  return { object, attributes }
}
