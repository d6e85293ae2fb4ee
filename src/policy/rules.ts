/**
 * Every refusal the static policy can make. Each rule says which part of the seed it
 * implements (a pattern of the seed's `dangerous_operations`, its `allowed_imports`, or an
 * addition of ours) and which configuration key lifts it, so a refusal always explains itself.
 */

const DANGEROUS = 'code_execution.allow_dangerous_operations'
const IMPORTS = 'code_execution.allowed_operations.imports'
const FILES = 'code_execution.allowed_operations.file_operations'
const OS = 'code_execution.allowed_operations.os_operations'

/** Config keys besides `allow_dangerous_operations` (which lifts every rule). */
export type ConfigKey = 'imports' | 'file_operations' | 'os_operations'

export interface PolicyRule {
  readonly id: string
  /** The seed construct this rule implements: a `dangerous_operations` pattern, `allowed_imports`, or `addition`. */
  readonly seed: string
  /** One line for documentation and `--explain` style output. */
  readonly summary: string
  /** Keys that lift the rule without turning the whole static layer off. */
  readonly liftedBy: readonly ConfigKey[]
  /** What is refused, given the offending name (`eval`, `os.system`, `subprocess`). */
  readonly message: (subject: string) => string
  /** How to allow it, naming the config key, given the same name. */
  readonly hint: (subject: string) => string
}

const onlyDangerous = () => `only ${DANGEROUS}: true allows this`

function builtinRule(name: string, seed: string, does: string, id: string): PolicyRule {
  return {
    id,
    seed,
    summary: `use of the builtin \`${name}\`, which ${does}`,
    liftedBy: [],
    message: () => `\`${name}\` ${does}`,
    hint: onlyDangerous,
  }
}

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
      subject === module || subject.endsWith('.*')
        ? whole
        : `${whole}; listing \`${subject}\` in ${IMPORTS} allows that name alone`,
  }
}

export const RULES = Object.freeze({
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
} satisfies Record<string, PolicyRule>)

export type RuleId = keyof typeof RULES
