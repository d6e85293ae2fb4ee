import type { SyntaxNode } from '@lezer/common'
import type { NameUse } from './name-walker.js'
import type { KnownValue, Scope } from './scope.js'

/** What the walk records besides name uses and imports, for the escape-route and file rules. */
export interface WalkRecords {
  /** Every attribute read off anything: `x[0].__class__` reads `__class__`. */
  readonly attributeReads: readonly AttributeRead[]
  readonly calls: readonly CallSite[]
  /** Chains assigned to or deleted (`np.x = 1`), rooted at a name. */
  readonly stores: readonly NameUse[]
  /** Fields of plain strings that read internals: `"{0.__globals__}".format(f)`. */
  readonly formatFields: readonly FormatField[]
  /** The body scope of every `class` statement, which carries the statement. */
  readonly classBodies: readonly Scope[]
}

export interface AttributeRead {
  /** NFKC-normalised attribute name. */
  readonly name: string
  /** The attributes read after it in the same chain: `system` for `_os` in `x[0]._os.system`. */
  readonly following: readonly string[]
  /** The whole chain, for the report's quote. */
  readonly from: number
  readonly to: number
}

export interface FormatField {
  readonly field: string
  readonly from: number
  readonly to: number
}

export interface CallSite {
  /** The name the callee chain starts at, when it starts at a name (`pd` in `pd.read_csv(…)`). */
  readonly name: string | undefined
  /** Attributes read off that name, or off whatever the callee chain starts at. */
  readonly attributes: readonly string[]
  /** What the chain starts at when that is a value the walk knows: `Door()` in `Door().open()`. */
  readonly chainStart: KnownValue | undefined
  readonly scope: Scope
  readonly args: readonly CallArgument[]
  /** The callee's text, as written. */
  readonly callee: string
  readonly from: number
  readonly to: number
}

export interface CallArgument {
  /** `key` in `f(key=value)`; undefined for positional and starred arguments. */
  readonly keyword: string | undefined
  /** `*args` or `**kwargs`. */
  readonly starred: boolean
  /** The value, when it is a single expression node. */
  readonly value: SyntaxNode | undefined
  /** The value's source text. */
  readonly text: string
}
