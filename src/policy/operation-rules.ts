import { isDunder, isHarmlessDunderName } from './dunder-names.js'
import { judgeModulePath, restrictedModuleNamed } from './module-access.js'
import type { NameUse } from './name-walker.js'
import type { RuleId } from './rules.js'
import type { Binding, Meaning } from './scope.js'
import type { PolicyConfig } from './types.js'

/** The seed's restricted builtins, and ours; any use of the name counts, called or passed around. */
const RESTRICTED_BUILTINS: ReadonlyMap<string, RuleId> = new Map<string, RuleId>([
  ['exec', 'exec-call'],
  ['eval', 'eval-call'],
  ['compile', 'compile-call'],
  ['__import__', 'dunder-import-call'],
  ['globals', 'globals-call'],
  ['locals', 'locals-call'],
  ['open', 'open-call'],
  ['vars', 'vars-call'],
  ['breakpoint', 'breakpoint-call'],
])

/** Builtins that take an attribute name: checked where called, refused when passed around. */
export const ATTRIBUTE_BY_NAME_BUILTINS: ReadonlySet<string> = new Set([
  'getattr',
  'setattr',
  'delattr',
])

/** A refusal at a source range, before positions and wording are attached. */
export interface Finding {
  readonly rule: RuleId
  /** The refused name, worked into the message and hint. */
  readonly subject: string
  readonly from: number
  readonly to: number
}

export interface RuleContext {
  readonly config: PolicyConfig
  readonly allowedImports: ReadonlySet<string>
  /** Import bindings already refused at their import statement, not reported again at each use. */
  readonly reported: ReadonlySet<Binding>
}

/**
 * Applies the restricted-operation rules to every name the code reads. A name that is an
 * alias (`e = eval`) is judged as its source, unless the read of the source was refused
 * already: `e = eval; e(x)` is one refusal, at `eval`.
 */
export function checkUses(uses: readonly NameUse[], context: RuleContext): Finding[] {
  const byOffset = new Map<number, NameUse>()
  for (const use of uses) if (!byOffset.has(use.from)) byOffset.set(use.from, use)
  const judged = new Map<NameUse, Finding[]>()
  const judge = (use: NameUse): Finding[] => {
    const known = judged.get(use)
    if (known !== undefined) return known
    judged.set(use, [])
    const findings: Finding[] = []
    const rules = new Set<RuleId>()
    for (const meaning of use.scope.resolve(use.name, use.from)) {
      if (meaning.kind !== 'local' && meaning.via.some((at) => refusedAt(at, use))) continue
      const found = judgeUse(use, meaning, context)
      if (found === undefined || rules.has(found.rule)) continue
      rules.add(found.rule)
      findings.push({ ...found, from: use.from, to: use.to })
    }
    judged.set(use, findings)
    return findings
  }
  const refusedAt = (at: number, self: NameUse): boolean => {
    const source = byOffset.get(at)
    return source !== undefined && source !== self && judge(source).length > 0
  }
  return uses.flatMap(judge)
}

/** What `meaning` makes of the use: a refusal, or undefined when it is allowed. */
export function judgeUse(
  use: Pick<NameUse, 'name' | 'attributes' | 'called'>,
  meaning: Meaning,
  context: Omit<RuleContext, 'reported'> & { readonly reported?: ReadonlySet<Binding> },
): { rule: RuleId; subject: string } | undefined {
  const { config, allowedImports } = context
  if (meaning.kind === 'local') return undefined
  if (meaning.kind === 'module') {
    if (context.reported?.has(meaning.binding)) return undefined
    return judgeModulePath([...meaning.path, ...use.attributes], config, allowedImports)
  }
  const name = meaning.name
  const attributes = [...meaning.attributes, ...use.attributes]
  if (attributes.length === 0 || !RESTRICTED_BUILTINS.has(name)) {
    const builtin = RESTRICTED_BUILTINS.get(name)
    if (builtin === 'open-call' && config.allowed_operations.file_operations) return undefined
    if (builtin !== undefined) return { rule: builtin, subject: name }
  }
  // Passed around, `getattr` takes names no one can check; called, the call is checked.
  if (ATTRIBUTE_BY_NAME_BUILTINS.has(name) && attributes.length === 0 && !use.called) {
    return { rule: 'attribute-by-name', subject: name }
  }
  if (isDunder(name) && !isHarmlessDunderName(name) && restrictedModuleNamed(name) === undefined) {
    return { rule: 'dunder-attribute', subject: name }
  }
  const module = restrictedModuleNamed(name)
  if (module === undefined) return undefined
  return judgeModulePath([module, ...attributes], config, allowedImports)
}
