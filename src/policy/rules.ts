import { ADDITION_RULES } from './addition-rules.js'
import { DANGEROUS, FILES, IMPORTS, OS } from './config-keys.js'
import { isImportMachineryAttribute } from './import-machinery.js'
import { builtinRule, type ConfigKey, type PolicyRule } from './policy-rule.js'

export type { ConfigKey, PolicyRule } from './policy-rule.js'

/**
 * Every refusal the static policy can make. Each rule says which part of the seed it
 * implements (a pattern of the seed's `dangerous_operations`, its `allowed_imports`, or an
 * addition of ours) and which configuration key lifts it, so a refusal always explains itself.
 * The seed's own rules are here; the additions (escape routes, library file I/O) are in
 * addition-rules.ts, and the runtime guard's in runtime-rules.ts.
 */

/** Attribute access on (or any use of) a module that reaches outside the sandboxed computation. */
function moduleRule(module: string, seed: string, does: string, liftedBy: ConfigKey[]): PolicyRule {
  const whole = liftedBy.includes('os_operations')
    ? `allowed when ${OS} is true`
    : `only ${DANGEROUS}: true allows all of \`${module}\``
  return {
    id: `${module}-access`,
    seed,
    summary: `use of the \`${module}\` module, which ${does}`,
    liftedBy,
    message: (subject) => `\`${subject}\` uses the \`${module}\` module, which ${does}`,
    hint: (subject) =>
      subject === module ||
      subject.endsWith('.*') ||
      isImportMachineryAttribute(subject.slice(module.length + 1))
        ? whole
        : `${whole}; listing \`${subject}\` in ${IMPORTS} allows that name alone`,
  }
}

const SEED_RULES = {
  'import-not-allowed': {
    id: 'import-not-allowed',
    seed: 'allowed_imports',
    summary: 'import of a module outside the default allowed imports and the configured ones',
    liftedBy: ['imports', 'os_operations'],
    message: (subject) => `\`${subject}\` is not an allowed import`,
    hint: (subject) =>
      subject === 'os' || subject.startsWith('os.')
        ? `set ${OS}: true, or add \`${subject}\` to ${IMPORTS}`
        : `add \`${subject}\` to ${IMPORTS}`,
  },
  'relative-import': {
    id: 'relative-import',
    seed: 'addition',
    summary: 'relative import, which has no package to import from in a single script',
    liftedBy: [],
    message: (subject) => `relative import \`${subject}\` has no package to import from`,
    hint: () => `use an absolute import; only ${DANGEROUS}: true skips this check`,
  },
  'exec-call': builtinRule('exec', "r'exec\\s*\\('", 'runs a string as Python code', 'exec-call'),
  'eval-call': builtinRule(
    'eval',
    "r'eval\\s*\\('",
    'evaluates a string as Python code',
    'eval-call',
  ),
  'compile-call': builtinRule(
    'compile',
    "r'compile\\s*\\('",
    'turns a string into runnable code',
    'compile-call',
  ),
  'dunder-import-call': builtinRule(
    '__import__',
    "r'__import__\\s*\\('",
    'imports modules around the import allowlist',
    'dunder-import-call',
  ),
  'globals-call': builtinRule(
    'globals',
    "r'globals\\s*\\('",
    'exposes the module namespace for rewriting',
    'globals-call',
  ),
  'locals-call': builtinRule(
    'locals',
    "r'locals\\s*\\('",
    'exposes the local namespace',
    'locals-call',
  ),
  'open-call': {
    id: 'open-call',
    seed: "r'open\\s*\\('",
    summary: 'use of the builtin `open`, which reads and writes files',
    liftedBy: ['file_operations'],
    message: () => '`open` reads and writes files',
    hint: () => `allowed when ${FILES} is true`,
  },
  'os-access': moduleRule('os', "r'os\\.'", 'reaches the operating system', ['os_operations']),
  'sys-access': moduleRule('sys', "r'sys\\.'", 'reaches the interpreter internals', []),
  'subprocess-access': moduleRule('subprocess', "r'subprocess\\.'", 'runs other programs', []),
  'shutil-access': moduleRule('shutil', "r'shutil\\.'", 'copies, moves and deletes files', []),
  'builtins-access': moduleRule(
    'builtins',
    "r'builtins\\.'",
    'reaches the builtin functions around these checks',
    [],
  ),
} satisfies Record<string, PolicyRule>

export const RULES = Object.freeze({ ...SEED_RULES, ...ADDITION_RULES })

export type RuleId = keyof typeof RULES
