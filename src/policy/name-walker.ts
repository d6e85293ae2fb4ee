import type { SyntaxNode, Tree } from '@lezer/common'
import { BINDING_FORMS } from './binding-forms.js'
import { CALL_FORMS } from './call-forms.js'
import { COMPREHENSION_FORMS } from './comprehension-forms.js'
import { DEFINITION_FORMS } from './definition-forms.js'
import { pythonName } from './python-name.js'
import { type ImportStatement, readImport } from './read-import.js'
import { type AliasSource, type Binding, type BindingKind, type Held, Scope } from './scope.js'
import { childNamed, childrenOf, isCallee, memberChain } from './syntax-nodes.js'
import type { AttributeRead, CallSite, FormatField, WalkRecords } from './walk-records.js'

/**
 * Python nests far less deeply than this (its parser stops at 200 open brackets); the limit
 * keeps a crafted input from exhausting the stack of the process that checks it.
 */
const MAX_DEPTH = 1000

/** A name read as a value, with the attributes read off it: `os.path.join` → `os` + `path.join`. */
export interface NameUse {
  readonly name: string
  readonly attributes: readonly string[]
  readonly scope: Scope
  /** Where the read happens: the name, or the `getattr(` call that spells it as a string. */
  readonly from: number
  /** End of the text a report quotes: the attribute chain, or the whole call when it is called. */
  readonly to: number
  /** True when the chain is called right here (`getattr(…)`), not passed around (`f = getattr`). */
  readonly called: boolean
}

export interface ImportRecord {
  readonly statement: ImportStatement
  /** Parallel to `statement.names`: the binding each name creates (none for `*`). */
  readonly bindings: readonly (Binding | undefined)[]
}

export interface WalkResult extends WalkRecords {
  readonly uses: readonly NameUse[]
  readonly imports: readonly ImportRecord[]
}

export class NestingTooDeepError extends Error {
  readonly offset: number
  constructor(offset: number) {
    super(`code is nested more than ${MAX_DEPTH} levels deep`)
    this.name = 'NestingTooDeepError'
    this.offset = offset
  }
}

/** What the syntax forms need from the walk: visiting, recording uses, binding names. */
export interface Walk {
  visit(node: SyntaxNode, scope: Scope): void
  visitAll(nodes: readonly SyntaxNode[], scope: Scope): void
  /** Records a read of `name`; the report quotes `from`…`to` (by default from the name on). */
  use(
    name: SyntaxNode,
    attributes: readonly string[],
    scope: Scope,
    to: number,
    from?: number,
  ): void
  /**
   * Binds the name `node` spells; `statement` marks module/class-level statements that may be
   * certain, `held` what the name then holds when the walk can tell.
   */
  bind(node: SyntaxNode, scope: Scope, kind: BindingKind, statement?: SyntaxNode, held?: Held): void
  /** `m = np.lib`: what a value that is a plain name chain was read from, for an alias. */
  aliasOf(value: SyntaxNode | undefined, scope: Scope): AliasSource | undefined
  /** `np.x = 1`, `del np.x`: a chain assigned to or deleted, not read. */
  store(target: SyntaxNode, scope: Scope): void
  /** A call, with what the checks need of its callee and arguments. */
  call(site: CallSite): void
  /** A `class` statement, by the scope of its body. */
  classBody(body: Scope): void
  /** Python's reading of an identifier: NFKC-normalised, so `ｅval` is `eval`. */
  text(node: SyntaxNode): string
  /** The source as written between two offsets. */
  source(from: number, to: number): string
}

/** Syntax forms with their own rules for which names they read and which they bind. */
export type FormHandler = (walk: Walk, node: SyntaxNode, scope: Scope) => void

/**
 * Walks the whole tree once. Every VariableName ends up either bound (by the form around it)
 * or used; anything the forms do not recognise, error nodes included, is walked as plain
 * expressions, so an unknown construct can only add uses, never hide one.
 */
export function walkNames(tree: Tree, source: string): WalkResult {
  const walker = new NameWalker(source)
  walker.visit(tree.topNode, new Scope('module'))
  const { uses, imports, attributeReads, calls, stores, formatFields, classBodies } = walker
  return { uses, imports, attributeReads, calls, stores, formatFields, classBodies }
}

/** A `{…}` field of a plain string that reads a dunder or frame attribute (`"{0.__class__}"`). */
const FORMAT_FIELD =
  /\{[^{}]*?[.[]\s*(?:__\w+__|gi_\w+|cr_\w+|ag_\w+|tb_\w+|co_\w+|f_(?:globals|locals|back|builtins|code))[^{}]*\}/g

class NameWalker implements Walk {
  readonly uses: NameUse[] = []
  readonly imports: ImportRecord[] = []
  readonly attributeReads: AttributeRead[] = []
  readonly calls: CallSite[] = []
  readonly stores: NameUse[] = []
  readonly formatFields: FormatField[] = []
  readonly classBodies: Scope[] = []
  readonly #source: string
  readonly #forms: ReadonlyMap<string, FormHandler>
  #depth = 0

  constructor(source: string) {
    this.#source = source
    this.#forms = new Map<string, FormHandler>([
      ...BINDING_FORMS,
      ...COMPREHENSION_FORMS,
      ...DEFINITION_FORMS,
      ...CALL_FORMS,
      ['VariableName', (walk, node, scope) => walk.use(node, [], scope, spanEnd(node))],
      ['MemberExpression', (_, node, scope) => this.#member(node, scope)],
      ['AttributePattern', (_, node, scope) => this.#attributePattern(node, scope)],
      ['ImportStatement', (_, node, scope) => this.#import(node, scope)],
      ['String', (_, node) => this.#string(node)],
    ])
  }

  visit(node: SyntaxNode, scope: Scope): void {
    if (++this.#depth > MAX_DEPTH) throw new NestingTooDeepError(node.from)
    try {
      const form = this.#forms.get(node.name)
      if (form !== undefined) form(this, node, scope)
      else this.#visitChildren(node, scope)
    } finally {
      this.#depth--
    }
  }

  visitAll(nodes: readonly SyntaxNode[], scope: Scope): void {
    for (const node of nodes) this.visit(node, scope)
  }

  /** Most nodes: their children in turn, without building the list `childrenOf` would. */
  #visitChildren(node: SyntaxNode, scope: Scope): void {
    for (let child = node.firstChild; child !== null; child = child.nextSibling) {
      if (child.name !== 'Comment') this.visit(child, scope)
    }
  }

  use(
    name: SyntaxNode,
    attributes: readonly string[],
    scope: Scope,
    to: number,
    from = name.from,
  ): void {
    const called = from !== name.from || isCallee(memberRoot(name))
    this.uses.push({ name: this.text(name), attributes, scope, from, to, called })
  }

  bind(
    node: SyntaxNode,
    scope: Scope,
    kind: BindingKind,
    statement?: SyntaxNode,
    held?: Held,
  ): void {
    scope.bind(this.text(node), {
      kind,
      modulePath: undefined,
      certainFrom: statement === undefined ? undefined : certainFrom(statement, scope),
      alias: held?.alias,
      value: held?.value,
    })
  }

  aliasOf(value: SyntaxNode | undefined, scope: Scope): AliasSource | undefined {
    if (value === undefined) return undefined
    const { object, attributes } = memberChain(value, (node) => this.text(node))
    if (object.name !== 'VariableName') return undefined
    return { name: this.text(object), attributes, scope, at: object.from }
  }

  store(target: SyntaxNode, scope: Scope): void {
    const { object, attributes } = memberChain(target, (node) => this.text(node))
    if (object.name === 'VariableName' && attributes.length > 0) {
      const name = this.text(object)
      this.stores.push({ name, attributes, scope, from: object.from, to: target.to, called: false })
    }
    this.visit(target, scope)
  }

  call(site: CallSite): void {
    this.calls.push(site)
  }

  classBody(body: Scope): void {
    this.classBodies.push(body)
  }

  text(node: SyntaxNode): string {
    return pythonName(this.#source.slice(node.from, node.to))
  }

  source(from: number, to: number): string {
    return this.#source.slice(from, to)
  }

  /** Plain strings are data, except a format field that reads internals (`"{0.__class__}"`). */
  #string(node: SyntaxNode): void {
    const raw = this.#source.slice(node.from, node.to)
    if (!raw.includes('{')) return
    for (const match of raw.matchAll(FORMAT_FIELD)) {
      const from = node.from + match.index
      this.formatFields.push({ field: match[0], from, to: from + match[0].length })
    }
  }

  /** `a.b.c`: one use of `a` with attributes `b.c`; subscripts and calls end the chain. */
  #member(outer: SyntaxNode, scope: Scope): void {
    const { object, attributes } = memberChain(outer, (node) => this.text(node))
    const to = spanEnd(outer)
    attributes.forEach((name, index) => {
      const following = attributes.slice(index + 1)
      this.attributeReads.push({ name, following, from: object.from, to })
    })
    if (attributes.length === 0) this.visitAll(childrenOf(outer), scope)
    else if (object.name === 'VariableName') this.use(object, attributes, scope, spanEnd(outer))
    else this.visit(object, scope)
  }

  /** `case os.sep:` in a match statement reads `os.sep`. */
  #attributePattern(node: SyntaxNode, scope: Scope): void {
    const name = node.getChild('VariableName')
    if (name === null) return
    const attributes = node.getChildren('PropertyName').map((property) => this.text(property))
    this.use(name, attributes, scope, node.to)
  }

  #import(node: SyntaxNode, scope: Scope): void {
    const statement = readImport(node, this.#source)
    const certain = certainFrom(node, scope)
    const bindings = statement.names.map((name) => bindImport(statement, name, scope, certain))
    this.imports.push({ statement, bindings })
  }
}

/** Binds what one imported name puts in scope: `import a.b` binds `a`, `import a.b as c` binds `c`. */
function bindImport(
  statement: ImportStatement,
  name: ImportStatement['names'][number],
  scope: Scope,
  certainFrom: number | undefined,
): Binding | undefined {
  if (name.path[0] === '*') {
    scope.markStarImport()
    return undefined
  }
  const last = name.path[name.path.length - 1]
  const bound = name.alias ?? (statement.kind === 'from' ? last : name.path[0])
  if (bound === undefined) return undefined
  const modulePath =
    statement.kind === 'import'
      ? name.alias === undefined
        ? name.path.slice(0, 1)
        : name.path
      : statement.level === 0
        ? [...statement.module, ...name.path]
        : undefined
  const binding: Binding = { kind: 'import', modulePath, certainFrom }
  scope.bind(bound, binding)
  return binding
}

/**
 * A module or class body statement that runs unconditionally binds for certain once it ran;
 * a function's body runs only when called, after the `def` itself finished.
 */
function certainFrom(statement: SyntaxNode, scope: Scope): number | undefined {
  let parent = statement.parent
  while (parent?.name === 'StatementGroup' || parent?.name === 'DecoratedStatement') {
    parent = parent.parent
  }
  const topLevel =
    (scope.kind === 'module' && parent?.name === 'Script') ||
    (scope.kind === 'class' && parent?.name === 'Body' && parent.parent?.name === 'ClassDefinition')
  if (!topLevel) return undefined
  if (statement.name === 'FunctionDefinition')
    return statement.getChild('Body')?.from ?? statement.to
  return statement.to
}

/** Where a report's quote of a name ends: at the name, or after its call's arguments. */
function spanEnd(node: SyntaxNode): number {
  return isCallee(node) ? (node.parent?.to ?? node.to) : node.to
}

/** The outermost member expression a name starts (`os` → `os.path.join`), or the name itself. */
function memberRoot(name: SyntaxNode): SyntaxNode {
  let node = name
  while (node.parent?.name === 'MemberExpression' && node.parent.firstChild?.from === node.from) {
    if (childNamed(node.parent, 'PropertyName') === null) break
    node = node.parent
  }
  return node
}
