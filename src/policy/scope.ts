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
}

export type Meaning =
  | { readonly kind: 'module'; readonly path: readonly string[]; readonly binding: Binding }
  | { readonly kind: 'local' }
  /** Nothing in the code binds the name: Python falls back to the builtin of that name. */
  | { readonly kind: 'unbound' }

const LOCAL: Meaning = { kind: 'local' }
const UNBOUND: Meaning = { kind: 'unbound' }

export class Scope {
  readonly kind: ScopeKind
  readonly parent: Scope | undefined
  readonly #bindings = new Map<string, Binding[]>()
  /** `global x` / `nonlocal x`: the name lives in another scope. */
  readonly #redirects = new Map<string, Scope>()
  #hasStarImport = false

  constructor(kind: ScopeKind, parent?: Scope) {
    this.kind = kind
    this.parent = parent
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
  resolve(name: string, at: number): Meaning[] {
    const target = this.#redirects.get(name)
    if (target !== undefined) return target.resolve(name, at)
    const own = this.#bindings.get(name) ?? []
    if (this.kind === 'function' || this.kind === 'comprehension') {
      // Python decides a function's locals from the whole body, so any binding makes it local.
      if (own.length > 0) return own.map(meaningOf)
      return this.#outer(name, at)
    }
    // Module and class bodies look names up as they run: until a binding certainly ran,
    // the outer meaning (the builtin, a module) is still possible.
    const ownMeanings = own.filter((b) => b.kind !== 'delete').map(meaningOf)
    if (this.#certainlyBound(own, at)) return ownMeanings
    return [...ownMeanings, ...this.#outer(name, at)]
  }

  #outer(name: string, at: number): Meaning[] {
    if (this.parent === undefined) return [UNBOUND]
    return this.parent.enclosing().resolve(name, at)
  }

  #certainlyBound(own: readonly Binding[], at: number): boolean {
    if (this.#hasStarImport || own.some((b) => b.kind === 'delete')) return false
    return own.some((b) => b.certainFrom !== undefined && b.certainFrom <= at)
  }

  #module(): Scope {
    return this.parent === undefined ? this : this.parent.#module()
  }
}

function meaningOf(binding: Binding): Meaning {
  if (binding.modulePath === undefined) return LOCAL
  return { kind: 'module', path: binding.modulePath, binding }
}
