import type { SyntaxNode } from '@lezer/common'
import { childrenOf, splitAtCommas } from './syntax-nodes.js'

/** One name an import statement brings in. */
export interface ImportedName {
  /** Dotted path as written after `import`: `['os', 'path']`; `['*']` for a star import. */
  readonly path: readonly string[]
  /** The `as` name, if any. */
  readonly alias: string | undefined
  readonly from: number
  readonly to: number
}

/** An import statement as written, before any policy is applied. */
export interface ImportStatement {
  readonly kind: 'import' | 'from'
  /** Leading dots of a relative from-import (`from ..m import x` → 2); 0 when absolute. */
  readonly level: number
  /** The module a from-import reads from (`['os']`); empty for `import x` and `from . import x`. */
  readonly module: readonly string[]
  readonly names: readonly ImportedName[]
  readonly from: number
  readonly to: number
}

/** Reads `import a.b as c, d` and `from ..m import (x as y, z)` off an ImportStatement node. */
export function readImport(node: SyntaxNode, source: string): ImportStatement {
  const children = childrenOf(node)
  const importAt = children.findIndex((child) => child.name === 'import')
  const kind = children[0]?.name === 'from' ? 'from' : 'import'
  const head = kind === 'from' ? children.slice(1, importAt) : []
  const firstName = head.findIndex((child) => child.name === 'VariableName')
  const leading = firstName === -1 ? head : head.slice(0, firstName)
  const level = leading.reduce((dots, child) => dots + dotsIn(child), 0)
  const module = head.filter((child) => child.name === 'VariableName').map((n) => text(source, n))
  const list = children
    .slice(importAt + 1)
    .filter((child) => child.name !== '(' && child.name !== ')')
  const names = splitAtCommas(list).map((item) => readName(item, source))
  return { kind, level, module, names, from: node.from, to: node.to }
}

/** `a.b.c`, `a.b as c`, or `*`. */
function readName(item: readonly SyntaxNode[], source: string): ImportedName {
  const asAt = item.findIndex((child) => child.name === 'as')
  const dotted = asAt === -1 ? item : item.slice(0, asAt)
  const path = dotted
    .filter((child) => child.name === 'VariableName' || child.name === '*')
    .map((child) => text(source, child))
  const aliasNode = asAt === -1 ? undefined : item[asAt + 1]
  const alias = aliasNode === undefined ? undefined : text(source, aliasNode)
  const first = item[0]
  const last = item[item.length - 1]
  return { path, alias, from: first?.from ?? 0, to: last?.to ?? 0 }
}

/** Relative levels are written as `.` tokens, but lezer reads `...` as one Ellipsis token. */
function dotsIn(node: SyntaxNode): number {
  if (node.name === '.') return 1
  if (node.name === 'Ellipsis') return 3
  return 0
}

function text(source: string, node: SyntaxNode): string {
  return source.slice(node.from, node.to)
}
