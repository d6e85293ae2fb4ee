import { identifierLiteral } from './call-forms.js'
import { LocalClasses } from './local-classes.js'
import type { WalkResult } from './name-walker.js'
import type { KnownValue, Meaning } from './scope.js'
import { SealedClasses } from './sealed-classes.js'
import type { CallSite } from './walk-records.js'

/**
 * Whether `x.m(…)` certainly calls a method the code defined itself (`class Door: def
 * open(self): …`), so that the file rules do not take `Door().open()` for pathlib's `open`.
 * It does when the object is certainly an instance that finds the code's own `def m`:
 * - `C(…)` itself, or a name whose every binding holds `C(…)` (or an alias of such a name),
 *   where every meaning of `C` there is a trusted class that finds a plain `def m`
 *   (local-classes.ts);
 * - or `self` in a method of such a class that is sealed (sealed-classes.ts);
 *
 * and nothing can put another `m` on an instance or class: the code reads the attribute `m`
 * only to call it there and then (`x.m(…)`: no `x.m = f`, `del x.m`, `f = x.m`), names it to
 * no `setattr`/`delattr`, and reads no `functools.update_wrapper`/`wraps`. Anything else
 * keeps the call judged as a library's.
 */
export class OwnMethodCalls {
  readonly #records: Pick<WalkResult, 'calls' | 'attributeReads' | 'uses'>
  readonly #classes = new LocalClasses()
  readonly #sealed: SealedClasses
  readonly #onlyCalled = new Map<string, boolean>()
  #readsCopier: boolean | undefined

  constructor(records: Pick<WalkResult, 'calls' | 'attributeReads' | 'uses' | 'classBodies'>) {
    this.#records = records
    this.#sealed = new SealedClasses(records.uses, records.classBodies, this.#classes)
  }

  isOwnMethodCall(site: CallSite): boolean {
    const [method, ...more] = site.attributes
    if (method === undefined || more.length > 0) return false
    const objects =
      site.name === undefined
        ? [site.chainStart]
        : knownValues(site.scope.resolve(site.name, site.from))
    return (
      objects.length > 0 &&
      objects.every((value) => value !== undefined && this.#findsOwnDef(value, method)) &&
      this.#isOnlyCalled(method)
    )
  }

  #findsOwnDef(value: KnownValue, method: string): boolean {
    if (value.kind === 'instance') {
      const bodies = this.#classes.classesNamed(value.of)
      return bodies?.every((body) => this.#classes.lookup(body, method) === 'def') === true
    }
    if (value.kind === 'self') {
      return (
        this.#classes.lookup(value.body, method) === 'def' &&
        this.#sealed.isSealed(value.body, method)
      )
    }
    return false
  }

  #isOnlyCalled(method: string): boolean {
    let only = this.#onlyCalled.get(method)
    if (only === undefined) {
      only = this.#judgeOnlyCalled(method)
      this.#onlyCalled.set(method, only)
    }
    return only
  }

  #judgeOnlyCalled(method: string): boolean {
    const { calls, attributeReads } = this.#records
    if (this.#readsAttributeCopier()) return false
    const calledAt = new Set<string>()
    for (const site of calls) {
      if (site.attributes.at(-1) === method) calledAt.add(`${site.from}:${site.to}`)
      if (site.name !== undefined && site.attributes.length === 0 && SETTERS.has(site.name)) {
        const name = site.args.filter((arg) => arg.keyword === undefined)[1]
        const literal = name?.value?.name === 'String' ? identifierLiteral(name.text) : undefined
        if (literal === undefined || literal === method) return false
      }
    }
    return attributeReads.every(
      (read) =>
        read.name !== method ||
        (read.following.length === 0 && calledAt.has(`${read.from}:${read.to}`)),
    )
  }

  /** Whether the code reads a library helper that copies attributes named at run time. */
  #readsAttributeCopier(): boolean {
    const { uses, attributeReads } = this.#records
    this.#readsCopier ??=
      attributeReads.some((read) => ATTRIBUTE_COPIERS.has(read.name)) ||
      uses.some(
        (use) =>
          ATTRIBUTE_COPIERS.has(use.name) ||
          use.attributes.some((attribute) => ATTRIBUTE_COPIERS.has(attribute)),
      )
    return this.#readsCopier
  }
}

/** `functools.update_wrapper(d, other, assigned=names)` sets attributes named at run time. */
const ATTRIBUTE_COPIERS: ReadonlySet<string> = new Set(['update_wrapper', 'wraps'])

/** Builtins that put or take away an attribute by name. */
const SETTERS: ReadonlySet<string> = new Set(['setattr', 'delattr'])

/** What every meaning holds; an unknown value wherever one does not say. */
function knownValues(meanings: readonly Meaning[]): (KnownValue | undefined)[] {
  return meanings.map((meaning) => (meaning.kind === 'local' ? meaning.value : undefined))
}
