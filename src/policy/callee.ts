import type { Binding } from './scope.js'
import type { CallSite } from './walk-records.js'

/** What a call's callee may be, for the rules that judge calls by what they call. */
export type CalleeMeaning =
  /** A module's function: `['pandas', 'read_csv']` for `pd.read_csv` or `from pandas import read_csv`. */
  | { readonly kind: 'module'; readonly path: readonly string[]; readonly binding: Binding }
  /** A builtin, reached by its name (or an alias of it): `['getattr']`. */
  | { readonly kind: 'builtin'; readonly path: readonly string[] }
  /** A method of some value the code made: `['to_csv']` for `df.to_csv`. */
  | { readonly kind: 'object'; readonly path: readonly string[] }

export function calleeMeanings(site: CallSite): CalleeMeaning[] {
  if (site.name === undefined) return [{ kind: 'object', path: site.attributes }]
  return site.scope.resolve(site.name, site.from).map((meaning): CalleeMeaning => {
    if (meaning.kind === 'module') {
      const path = [...meaning.path, ...site.attributes]
      return { kind: 'module', path, binding: meaning.binding }
    }
    if (meaning.kind === 'unbound') {
      const attributes = [...meaning.attributes, ...site.attributes]
      // `df.query(…)` with `df` bound nowhere the checks see: judged as a method all the same.
      if (attributes.length > 0) return { kind: 'object', path: attributes }
      return { kind: 'builtin', path: [meaning.name] }
    }
    return { kind: 'object', path: site.attributes }
  })
}
