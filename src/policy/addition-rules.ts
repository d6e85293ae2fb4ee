import { DANGEROUS, FILES, IMPORTS } from './config-keys.js'
import { builtinRule, onlyDangerous, type PolicyRule } from './policy-rule.js'

/**
 * Rules the seed's regular expressions do not have: the classic ways around a static check
 * (climbing the object graph through dunder attributes, naming attributes at run time,
 * modules that reach around Python's rules) and file I/O through the allowed libraries.
 * Each says `addition` as its seed, or the seed pattern it widens.
 */
export const ADDITION_RULES = {
  'dunder-attribute': {
    id: 'dunder-attribute',
    seed: 'addition',
    summary:
      'a dunder attribute or name such as `__class__`, `__globals__` or `__subclasses__`, the usual climb out of a sandbox',
    liftedBy: [],
    message: (subject) =>
      `\`${subject}\` reaches Python's internals, the usual way around the policy`,
    hint: () =>
      `plain code never needs it (\`__name__\`, \`__doc__\`, \`__init__\` and the like are fine); only ${DANGEROUS}: true allows this`,
  },
  'frame-attribute': {
    id: 'frame-attribute',
    seed: 'addition',
    summary: 'frame, traceback and generator internals (`gi_frame`, `f_globals`, `tb_frame`, …)',
    liftedBy: [],
    message: (subject) => `\`${subject}\` reaches a running frame and everything it can see`,
    hint: onlyDangerous,
  },
  'attribute-by-name': {
    id: 'attribute-by-name',
    seed: 'addition',
    summary:
      '`getattr`/`setattr`/`delattr` (and `operator.attrgetter`/`methodcaller`) with a name computed at run time or a dunder name',
    liftedBy: [],
    message: (subject) =>
      `\`${subject}\` names an attribute that cannot be checked before the code runs`,
    hint: () =>
      `write the attribute out (\`obj.name\`) or pass a plain string literal that is no dunder; only ${DANGEROUS}: true allows this`,
  },
  'vars-call': builtinRule(
    'vars',
    'addition',
    "hands out an object's or the local namespace as a dict",
    'vars-call',
  ),
  'breakpoint-call': builtinRule(
    'breakpoint',
    'addition',
    'starts a debugger that can run any code',
    'breakpoint-call',
  ),
  'escape-module': {
    id: 'escape-module',
    seed: 'addition',
    summary:
      'modules that reach around Python’s rules: importlib, ctypes, pickle, marshal, code, codeop, gc, inspect, socket and friends',
    liftedBy: ['imports'],
    message: (subject) =>
      `\`${subject}\` uses a module that can run or load code around the policy, or reach outside`,
    hint: (subject) => `add \`${subject.split('.')[0]}\` to ${IMPORTS} if the code really needs it`,
  },
  'import-machinery': {
    id: 'import-machinery',
    seed: 'addition',
    summary:
      "the import system's tables `meta_path`, `path_hooks`, `path_importer_cache` and `modules`, read off anything (`sys.modules`, `x.meta_path`)",
    liftedBy: [],
    message: (subject) =>
      `\`${subject}\` reaches the import system, where a finder, loader or module of the code's own would run as library code`,
    hint: () =>
      `import modules with \`import\` statements (an object of your own needs another attribute name); only ${DANGEROUS}: true allows this`,
  },
  'library-file-access': {
    id: 'library-file-access',
    seed: "widens r'open\\s*\\(' to the allowed libraries",
    summary:
      'file I/O through allowed libraries: pandas `read_*`/`to_*` with a path, numpy `load`/`save`/`loadtxt`/`fromfile`/`memmap`, `io.open`, `codecs.open`, pathlib reads and writes',
    liftedBy: ['file_operations'],
    message: (subject) => `\`${subject}\` reads or writes files`,
    hint: () => `allowed when ${FILES} is true`,
  },
  'pandas-expression': {
    id: 'pandas-expression',
    seed: 'addition',
    summary:
      '`pd.eval`, `DataFrame.eval` and `query` with an expression that is not a plain string or that names restricted things',
    liftedBy: [],
    message: (subject) => `\`${subject}\` evaluates an expression that can call anything it names`,
    hint: () =>
      `pass a plain string literal naming only columns and local values (\`@x\`); only ${DANGEROUS}: true allows more`,
  },
  'module-attribute-assignment': {
    id: 'module-attribute-assignment',
    seed: 'addition',
    summary: "assigning to or deleting a module's attribute, which changes what library code runs",
    liftedBy: [],
    message: (subject) => `\`${subject}\` replaces part of a module that other code relies on`,
    hint: () => `keep the value in a variable of your own; only ${DANGEROUS}: true allows this`,
  },
  'source-too-large': {
    id: 'source-too-large',
    seed: 'addition',
    summary: 'source larger than the policy checks (1 MiB)',
    liftedBy: [],
    message: (subject) => `the code is ${subject} bytes, more than the 1,048,576 that are checked`,
    hint: () =>
      `send less code (load data from input files instead); no setting lifts this, not even ${DANGEROUS}`,
  },
  'not-analysable': {
    id: 'not-analysable',
    seed: 'addition',
    summary:
      "code the policy's parser cannot read although Python may accept it, so it cannot be checked",
    liftedBy: [],
    message: (subject) =>
      `the policy cannot parse this code (${subject}); Python may accept it, but it cannot be checked`,
    hint: () =>
      `write the construct in a more common form; only ${DANGEROUS}: true runs it unchecked`,
  },
} satisfies Record<string, PolicyRule>
