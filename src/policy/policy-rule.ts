import { DANGEROUS } from './config-keys.js'

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

export const onlyDangerous = () => `only ${DANGEROUS}: true allows this`

export function builtinRule(name: string, seed: string, does: string, id: string): PolicyRule {
  return {
    id,
    seed,
    summary: `use of the builtin \`${name}\`, which ${does}`,
    liftedBy: [],
    message: () => `\`${name}\` ${does}`,
    hint: onlyDangerous,
  }
}
