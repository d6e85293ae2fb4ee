/**
 * Python's name scopes, reduced to what the policy needs: for a name used at some place, what
 * could it refer to at run time? A module bound by an import, something the code bound itself,
 * or (when nothing binds it) the builtin or module of that name.
 *
 * Answers are sets because the walk is flow-insensitive: when a name could be either the
 * builtin or a local value, the checks see both and stay on the safe side.
 */

export type ScopeKind = 'module' | 'class' | 'function' | 'comprehension'

export type BindingKind = 'import' | 'assignment' | 'definition' | 'parameter' | 'delete'

export interface Binding {
  readonly kind: BindingKind
  /** For import bindings: the dotted module path, `['os', 'path']` for `import os.path as p`. */
  readonly modulePath: readonly string[] | undefined
  /**
   * Offset from which the binding certainly holds: set only for statements that run
   * unconditionally in a module or class body (`x = 1` at top level, not inside an `if`).
   */
  readonly certainFrom: number | undefined
  /** `e = eval`, `m = np.lib`, `def f(o=os)`: the name the value was read from. */
  readonly alias?: AliasSource | undefined
  /** `class Door:`, `d = Door()`: what the bound value is known to be, when the walk can tell. */
  readonly value?: KnownValue | undefined
}

/** What a binding holds, as far as the walk can tell: an alias of a name, or a known value. */
export type Held = Pick<Binding, 'alias' | 'value'>

/**
 * Values the code made itself that the file rules follow, so that a method of the code's own
 * class (`Door().open()`) is not taken for a library's (`Path(p).open()`).
 */
export type KnownValue =
  /** The name a `def` without decorators binds. */
  | { readonly kind: 'function' }
  /** The name a `class` statement binds; the statement itself is on its body's scope. */
  | { readonly kind: 'class'; readonly body: Scope }
  /** `Door(…)`: what calling a plain name returned, the name read where the call is. */
  | { readonly kind: 'instance'; readonly of: AliasSource }
  /** The first parameter of a `def` without decorators directly in a class body. */
  | { readonly kind: 'self'; readonly body: Scope }

/** A `class` statement, as the file rules follow it. */
export interface ClassStatement {
  readonly name: string
  /**
   * Its bases when every one is a plain name (read in the scope around the statement);
   * undefined when it has decorators, type parameters, keywords (`metaclass=`), starred or
   * other bases.
   */
  readonly bases: readonly AliasSource[] | undefined
}

/** The name (and attributes) an alias was read from, resolved where it was read. */
export interface AliasSource {
  readonly name: string
  readonly attributes: readonly string[]
  readonly scope: Scope
  /** Offset of the read (the source name's own use). */
  readonly at: number
}

export type Meaning =
  | {
      readonly kind: 'module'
      readonly path: readonly string[]
      readonly binding: Binding
      /** Offsets of the alias reads this meaning came through, innermost last. */
      readonly via: readonly number[]
    }
  /** Something the code bound itself; `value` when the walk knows what it holds. */
  | { readonly kind: 'local'; readonly value?: KnownValue | undefined }
  /**
   * Nothing in the code binds the name: Python falls back to the builtin or module of that
   * name, with any attributes an alias read off it (`s = os.system` → `os` + `system`).
   */
  | {
      readonly kind: 'unbound'
      readonly name: string
      readonly attributes: readonly string[]
      readonly via: readonly number[]
    }

const LOCAL: Meaning = { kind: 'local' }
/** Alias expansions one look-up may make: `a = a.b` repeated must not explode. */
const ALIAS_BUDGET = 32

interface Budget {
  left: number
}

export class Scope {
  readonly kind: ScopeKind
  readonly parent: Scope | undefined
  /** For a class body: the statement that made it. */
  readonly classStatement: ClassStatement | undefined
  readonly #bindings = new Map<string, Binding[]>()
  /** `global x` / `nonlocal x`: the name lives in another scope. */
  readonly #redirects = new Map<string, Scope>()
  #hasStarImport = false

  constructor(kind: ScopeKind, parent?: Scope, classStatement?: ClassStatement) {
    this.kind = kind
    this.parent = parent
    this.classStatement = classStatement
  }

  bind(name: string, binding: Binding): void {
    const target = this.#redirects.get(name)
    if (target !== undefined) {
      target.bind(name, binding)
      return
    }
    const list = this.#bindings.get(name)
    if (list === undefined) this.#bindings.set(name, [binding])
    else list.push(binding)
  }

  /** The bindings of `name` made in this scope itself (a class body's own attributes). */
  ownBindings(name: string): readonly Binding[] {
    return this.#bindings.get(name) ?? NO_BINDINGS
  }

  /** `from m import *` can bind any name, so no binding here is ever certain. */
  markStarImport(): void {
    this.#hasStarImport = true
  }

  declareGlobal(name: string): void {
    const module = this.#module()
    if (module !== this) this.#redirects.set(name, module)
  }

  declareNonlocal(name: string): void {
    const target = this.parent?.enclosing()
    if (target !== undefined && target.kind !== 'module') this.#redirects.set(name, target)
  }

  /** Where a name bound by `:=` lives: comprehensions hand it to the scope around them. */
  walrusTarget(): Scope {
    return this.kind === 'comprehension' && this.parent !== undefined
      ? this.parent.walrusTarget()
      : this
  }

  /** The scope a nested function or comprehension sees: class bodies are not visible to them. */
  enclosing(): Scope {
    return this.kind === 'class' && this.parent !== undefined ? this.parent.enclosing() : this
  }

  /** What `name`, used at source offset `at` in this scope, may refer to. */
  resolve(name: string, at: number, budget: Budget = { left: ALIAS_BUDGET }): Meaning[] {
    const target = this.#redirects.get(name)
    if (target !== undefined) return target.resolve(name, at, budget)
    const own = this.#bindings.get(name) ?? NO_BINDINGS
    if (this.kind === 'function' || this.kind === 'comprehension') {
      // Python decides a function's locals from the whole body, so any binding makes it local.
      if (own.length > 0) return meaningsOfAll(own, budget)
      return this.#outer(name, at, budget)
    }
    // Module and class bodies look names up as they run: until a binding certainly ran,
    // the outer meaning (the builtin, a module) is still possible.
    const ownMeanings = meaningsOfAll(own, budget)
    if (this.#certainlyBound(own, at)) return ownMeanings
    return [...ownMeanings, ...this.#outer(name, at, budget)]
  }

  #outer(name: string, at: number, budget: Budget): Meaning[] {
    if (this.parent === undefined) return [{ kind: 'unbound', name, attributes: [], via: [] }]
    return this.parent.enclosing().resolve(name, at, budget)
  }

  #certainlyBound(own: readonly Binding[], at: number): boolean {
    if (this.#hasStarImport || own.some((b) => b.kind === 'delete')) return false
    return own.some((b) => b.certainFrom !== undefined && b.certainFrom <= at)
  }

  #module(): Scope {
    return this.parent === undefined ? this : this.parent.#module()
  }
}

const NO_BINDINGS: readonly Binding[] = []

/** The meanings of a name's bindings (deletions bind nothing), without allocating for the common one. */
function meaningsOfAll(bindings: readonly Binding[], budget: Budget): Meaning[] {
  const [only] = bindings
  if (bindings.length === 1 && only !== undefined && only.alias === undefined) {
    return only.kind === 'delete' ? [] : [meaningOf(only)]
  }
  const meanings: Meaning[] = []
  for (const binding of bindings) {
    if (binding.kind !== 'delete') meanings.push(...meaningsOf(binding, budget))
  }
  return meanings
}

/**
 * An alias means whatever its source meant where it was read, plus the attributes read off
 * it; a parameter's default is only one of the values it may hold.
 */
function meaningsOf(binding: Binding, budget: Budget): Meaning[] {
  const { alias } = binding
  if (alias === undefined || budget.left <= 0) return [meaningOf(binding)]
  budget.left--
  const source = alias.scope.resolve(alias.name, alias.at, budget)
  const read = source.map((meaning) => readOff(meaning, alias))
  return binding.kind === 'parameter' ? [LOCAL, ...read] : read
}

function readOff(meaning: Meaning, alias: AliasSource): Meaning {
  // `e = d` holds what `d` holds; `e = d.x` holds something else.
  if (meaning.kind === 'local') return alias.attributes.length === 0 ? meaning : LOCAL
  const via = [...meaning.via, alias.at]
  if (meaning.kind === 'module')
    return { ...meaning, path: [...meaning.path, ...alias.attributes], via }
  return { ...meaning, attributes: [...meaning.attributes, ...alias.attributes], via }
}

function meaningOf(binding: Binding): Meaning {
  if (binding.modulePath === undefined) {
    return binding.value === undefined ? LOCAL : { kind: 'local', value: binding.value }
  }
  return { kind: 'module', path: binding.modulePath, binding, via: [] }
}
