import { DANGEROUS, FILES, IMPORTS, OS } from './config-keys.js'
import type { PolicyRule } from './policy-rule.js'

/**
 * Refusals of the runtime guard (images/python/guard.py), worded here like the static ones.
 * The subject is what the guard saw: `open('/etc/passwd', 'r')`, `os.system(b'id')`, a module.
 */
export const RUNTIME_RULES = {
  'runtime-file-access': {
    id: 'runtime-file-access',
    seed: "r'open\\s*\\(' at run time",
    summary: 'opening, listing or changing files outside the installed software',
    liftedBy: ['file_operations'],
    message: (subject) => `\`${subject}\` touches files, which the code may not`,
    hint: () => `allowed when ${FILES} is true`,
  },
  'runtime-process': {
    id: 'runtime-process',
    seed: "r'os\\.' and r'subprocess\\.' at run time",
    summary: 'starting, replacing or signalling processes',
    liftedBy: ['os_operations', 'imports'],
    message: (subject) => `\`${subject}\` starts or signals a process`,
    hint: () => `allowed when ${OS} is true (subprocess also with \`subprocess\` in ${IMPORTS})`,
  },
  'runtime-network': {
    id: 'runtime-network',
    seed: 'addition',
    summary: 'any socket (the container has no network either way)',
    liftedBy: ['imports'],
    message: (subject) => `\`${subject}\` opens a network socket`,
    hint: () => `add \`socket\` to ${IMPORTS}; the container still has no network`,
  },
  'runtime-native-code': {
    id: 'runtime-native-code',
    seed: 'addition',
    summary: 'loading or calling native code through ctypes',
    liftedBy: ['imports'],
    message: (subject) => `\`${subject}\` loads or calls native code, outside every Python rule`,
    hint: () => `add \`ctypes\` to ${IMPORTS} if the code really needs it`,
  },
  'runtime-import': {
    id: 'runtime-import',
    seed: 'allowed_imports at run time',
    summary: 'the code importing a module outside the allowlist, however it spelled the import',
    liftedBy: ['imports', 'os_operations'],
    message: (subject) => `\`${subject}\` is not an allowed import`,
    hint: (subject) => `add \`${subject}\` to ${IMPORTS}`,
  },
  'runtime-pickle': {
    id: 'runtime-pickle',
    seed: 'addition',
    summary: 'unpickling a class or function from a module outside the allowlist',
    liftedBy: ['imports'],
    message: (subject) => `unpickling reached \`${subject}\`, which can run any code`,
    hint: () => `add \`pickle\` to ${IMPORTS} to trust pickled data`,
  },
  'runtime-code-execution': {
    id: 'runtime-code-execution',
    seed: "r'exec\\s*\\(', r'eval\\s*\\(', r'compile\\s*\\(' at run time",
    summary: 'the code running, compiling or building code objects itself',
    liftedBy: [],
    message: (subject) => `\`${subject}\` runs code that was never checked`,
    hint: () => `only ${DANGEROUS}: true allows this`,
  },
  'runtime-introspection': {
    id: 'runtime-introspection',
    seed: 'addition',
    summary: 'frames, code objects, the garbage collector and audit hooks',
    liftedBy: ['imports'],
    message: (subject) => `\`${subject}\` reaches the interpreter's internals`,
    hint: () =>
      `add \`gc\` (collector) or \`sys\` (frames) to ${IMPORTS}; code objects only with ${DANGEROUS}: true`,
  },
} satisfies Record<string, PolicyRule>

export type RuntimeRuleId = keyof typeof RUNTIME_RULES
