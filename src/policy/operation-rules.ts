import { judgeModulePath, restrictedModuleNamed } from './module-access.js'
import type { NameUse } from './name-walker.js'
import type { RuleId } from './rules.js'
import type { Binding, Meaning } from './scope.js'
import type { PolicyConfig } from './types.js'

/** The seed's restricted builtins; any use of the name counts, called or passed around. */
const RESTRICTED_BUILTINS: ReadonlyMap<string, RuleId> = new Map<string, RuleId>([
  ['exec', 'exec-call'],
  ['eval', 'eval-call'],
  ['compile', 'compile-call'],
  ['__import__', 'dunder-import-call'],
  ['globals', 'globals-call'],
  ['locals', 'locals-call'],
  ['open', 'open-call'],
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

/** Applies the restricted-operation rules to every name the code reads. */
export function checkUses(uses: readonly NameUse[], context: RuleContext): Finding[] {
  const findings: Finding[] = []
  for (const use of uses) {
    const rules = new Set<RuleId>()
    for (const meaning of use.scope.resolve(use.name, use.from)) {
      const found = judgeUse(use, meaning, context)
      if (found === undefined || rules.has(found.rule)) continue
      rules.add(found.rule)
      findings.push({ ...found, from: use.from, to: use.to })
    }
  }
  return findings
}

function judgeUse(
  use: NameUse,
  meaning: Meaning,
  context: RuleContext,
): { rule: RuleId; subject: string } | undefined {
  const { config, allowedImports } = context
  if (meaning.kind === 'local') return undefined
  if (meaning.kind === 'module') {
    if (context.reported.has(meaning.binding)) return undefined
    return judgeModulePath([...meaning.path, ...use.attributes], config, allowedImports)
  }
  const builtin = RESTRICTED_BUILTINS.get(use.name)
  if (builtin === 'open-call' && config.allowed_operations.file_operations) return undefined
  if (builtin !== undefined) return { rule: builtin, subject: use.name }
  const module = restrictedModuleNamed(use.name)
  if (module === undefined) return undefined
  return judgeModulePath([module, ...use.attributes], config, allowedImports)
}
