import type { LocalClasses } from './local-classes.js'
import type { NameUse } from './name-walker.js'
import type { Scope } from './scope.js'

/**
 * Whether `self` in a method of a trusted class is certainly an instance that finds the
 * code's own `def` for a method. Python lets anyone call a method with any `self`
 * (`Door.close(Path(p))`), so the class must be sealed: its name is only ever called
 * (`Door(…)`) or listed as the base of a trusted class that finds the same `def` and is sealed
 * in turn; its body reads none of its own names (`helper = close`, `def f(x=close)` reach a
 * method without an instance); and the builtin `type` is never read (`type(d).close(p)`).
 */
export class SealedClasses {
  readonly #uses: readonly NameUse[]
  readonly #classBodies: readonly Scope[]
  readonly #classes: LocalClasses
  readonly #sealed = new Map<Scope, Map<string, boolean>>()
  #usesByName: Map<string, NameUse[]> | undefined
  #subclassesByBase: Map<number, Scope> | undefined
  #unsealedByOwnReads: Set<Scope> | undefined
  #typeRead: boolean | undefined

  constructor(uses: readonly NameUse[], classBodies: readonly Scope[], classes: LocalClasses) {
    this.#uses = uses
    this.#classBodies = classBodies
    this.#classes = classes
  }

  isSealed(body: Scope, method: string): boolean {
    let known = this.#sealed.get(body)
    if (known === undefined) {
      known = new Map()
      this.#sealed.set(body, known)
    }
    const sealed = known.get(method)
    if (sealed !== undefined) return sealed
    // A class among its own subclasses is no class Python can make.
    known.set(method, false)
    const judged = this.#judge(body, method)
    known.set(method, judged)
    return judged
  }

  #judge(body: Scope, method: string): boolean {
    const name = body.classStatement?.name
    if (name === undefined || this.#typeIsRead() || this.#readsOwnNames().has(body)) return false
    for (const use of this.#usesNamed(name)) {
      if (!this.#means(use, body)) continue
      if (use.called && use.attributes.length === 0) continue
      const subclass = this.#subclassWithBaseAt(use.from)
      if (subclass === undefined || this.#classes.lookup(subclass, method) !== 'def') return false
      if (!this.isSealed(subclass, method)) return false
    }
    return true
  }

  #means(use: NameUse, body: Scope): boolean {
    return use.scope
      .resolve(use.name, use.from)
      .some(
        (meaning) =>
          meaning.kind === 'local' &&
          meaning.value?.kind === 'class' &&
          meaning.value.body === body,
      )
  }

  #typeIsRead(): boolean {
    this.#typeRead ??= this.#usesNamed('type').some((use) =>
      use.scope.resolve(use.name, use.from).some((meaning) => meaning.kind === 'unbound'),
    )
    return this.#typeRead
  }

  #usesNamed(name: string): readonly NameUse[] {
    if (this.#usesByName === undefined) {
      this.#usesByName = new Map()
      for (const use of this.#uses) {
        const list = this.#usesByName.get(use.name)
        if (list === undefined) this.#usesByName.set(use.name, [use])
        else list.push(use)
      }
    }
    return this.#usesByName.get(name) ?? []
  }

  #subclassWithBaseAt(offset: number): Scope | undefined {
    if (this.#subclassesByBase === undefined) {
      this.#subclassesByBase = new Map()
      for (const body of this.#classBodies) {
        for (const base of body.classStatement?.bases ?? [])
          this.#subclassesByBase.set(base.at, body)
      }
    }
    return this.#subclassesByBase.get(offset)
  }

  /** Class bodies that read a name they bind themselves. */
  #readsOwnNames(): Set<Scope> {
    if (this.#unsealedByOwnReads === undefined) {
      this.#unsealedByOwnReads = new Set()
      for (const use of this.#uses) {
        if (use.scope.kind === 'class' && use.scope.ownBindings(use.name).length > 0)
          this.#unsealedByOwnReads.add(use.scope)
      }
    }
    return this.#unsealedByOwnReads
  }
}
