import type { RuleId } from './rules.js'
import type { PolicyConfig } from './types.js'

/** The seed's restricted modules (`os\.`, `sys\.`, …) and the rule refusing each. */
const RESTRICTED_MODULES: ReadonlyMap<string, RuleId> = new Map<string, RuleId>([
  ['os', 'os-access'],
  ['sys', 'sys-access'],
  ['subprocess', 'subprocess-access'],
  ['shutil', 'shutil-access'],
  ['builtins', 'builtins-access'],
])

export interface ModuleFinding {
  readonly rule: RuleId
  /** The module plus the attribute taken from it (`os.system`), or the bare module (`os`). */
  readonly subject: string
}

/** A name that is a restricted module when nothing else binds it: `os`, also `__builtins__`. */
export function restrictedModuleNamed(name: string): string | undefined {
  if (name === '__builtins__') return 'builtins'
  return RESTRICTED_MODULES.has(name) ? name : undefined
}

/**
 * Modules re-export what they import, often under a private name (`random._os`,
 * `pathlib.os`, `os.path.sys`), so an attribute named like a restricted module, read off a
 * module, is taken to be that module.
 */
function restrictedAttribute(attribute: string): string | undefined {
  const bare = attribute.replace(/^_+|_+$/g, '')
  return RESTRICTED_MODULES.has(bare) ? bare : undefined
}

/**
 * Judges a dotted path that starts at a module (`['os', 'path', 'join']`). A restricted module
 * is refused unless its config key allows all of it (`os_operations` for `os`) or a dotted
 * name below it is an explicitly allowed import (`os.path`), in which case the rest of the
 * path is still judged: `os.path.os.system` reaches `os.system` again.
 */
export function judgeModulePath(
  path: readonly string[],
  config: PolicyConfig,
  allowedImports: ReadonlySet<string>,
): ModuleFinding | undefined {
  for (let index = 0; index < path.length; index++) {
    const part = path[index] ?? ''
    const module = index === 0 ? restrictedModuleNamed(part) : restrictedAttribute(part)
    if (module === undefined) continue
    if (module === 'os' && config.allowed_operations.os_operations) continue
    const rest = path.slice(index + 1)
    const allowedLength = longestAllowed(module, rest, allowedImports)
    if (allowedLength > 0) {
      index += allowedLength
      continue
    }
    const rule = RESTRICTED_MODULES.get(module) ?? 'builtins-access'
    return { rule, subject: rest[0] === undefined ? module : `${module}.${rest[0]}` }
  }
  return undefined
}

/** How many parts of `rest` an allowed dotted import under `module` covers (0: none). */
function longestAllowed(
  module: string,
  rest: readonly string[],
  allowed: ReadonlySet<string>,
): number {
  for (let length = rest.length; length > 0; length--) {
    if (allowed.has([module, ...rest.slice(0, length)].join('.'))) return length
  }
  return 0
}
