import type { AliasSource, Scope } from './scope.js'

/**
 * Classes the code defined itself that the file rules can trust: calling one makes an
 * instance of that very class, and looking a method up on that instance finds the class's
 * own `def` (or an ancestor's), never a library's. A class is trusted when its statement has
 * no decorators, keywords (`metaclass=`) or type parameters, every base is a plain name whose
 * every meaning is a trusted class, and its body binds none of the hooks below.
 */

/** Class attributes that change what calling the class returns or how lookups go. */
const LOOKUP_HOOKS: readonly string[] = [
  '__new__',
  '__getattr__',
  '__getattribute__',
  '__init_subclass__',
  '__slots__',
  '__dict__',
  '__class__',
]

/** What looking a method up on an instance finds: a plain `def`, nothing, or anything else. */
export type MethodLookup = 'def' | 'absent' | 'unknown'

export class LocalClasses {
  readonly #trusted = new Map<Scope, boolean>()
  readonly #lookups = new Map<Scope, Map<string, MethodLookup>>()

  /** The classes a plain name may be where it is read; undefined unless every meaning is one. */
  classesNamed(read: AliasSource): Scope[] | undefined {
    if (read.attributes.length > 0) return undefined
    const bodies: Scope[] = []
    for (const meaning of read.scope.resolve(read.name, read.at)) {
      if (meaning.kind !== 'local' || meaning.value?.kind !== 'class') return undefined
      bodies.push(meaning.value.body)
    }
    return bodies.length > 0 ? bodies : undefined
  }

  isTrusted(body: Scope): boolean {
    const known = this.#trusted.get(body)
    if (known !== undefined) return known
    // A class among its own ancestors is no class Python can make.
    this.#trusted.set(body, false)
    const trusted = this.#judgeTrust(body)
    this.#trusted.set(body, trusted)
    return trusted
  }

  /**
   * What an instance of a trusted class finds for `method`: its own bindings if it has any
   * (all plain `def`s, or unknown), else what its bases find. A base that finds the `def`
   * whichever class its name means settles it, wherever it sits in the method order: every
   * ancestor is trusted, so any other `def` found first is the code's own too.
   */
  lookup(body: Scope, method: string): MethodLookup {
    let known = this.#lookups.get(body)
    if (known === undefined) {
      known = new Map()
      this.#lookups.set(body, known)
    }
    let found = known.get(method)
    if (found === undefined) {
      found = this.#findMethod(body, method)
      known.set(method, found)
    }
    return found
  }

  #judgeTrust(body: Scope): boolean {
    const bases = body.classStatement?.bases
    if (bases === undefined) return false
    if (LOOKUP_HOOKS.some((hook) => body.ownBindings(hook).length > 0)) return false
    return bases.every((base) => this.classesNamed(base)?.every((b) => this.isTrusted(b)) === true)
  }

  #findMethod(body: Scope, method: string): MethodLookup {
    if (!this.isTrusted(body)) return 'unknown'
    const own = body.ownBindings(method)
    if (own.length > 0) {
      return own.every((binding) => binding.value?.kind === 'function') ? 'def' : 'unknown'
    }
    let found: MethodLookup = 'absent'
    for (const base of body.classStatement?.bases ?? []) {
      const results = this.classesNamed(base)?.map((b) => this.lookup(b, method))
      if (results === undefined || results.includes('unknown')) return 'unknown'
      if (results.every((result) => result === 'def')) found = 'def'
    }
    return found
  }
}
