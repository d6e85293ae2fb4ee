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

/**
 * Modules that reach around Python's own rules (load or run code, read memory, walk every
 * object, talk to the network), and the spellings libraries re-export them under
 * (`np.ctypeslib`, `pd.io.pickle`, `random._os`-style private names). Refused however they are
 * reached unless the module itself is an allowed import.
 */
const ESCAPE_MODULES: ReadonlyMap<string, string> = new Map([
  ['importlib', 'importlib'],
  ['imp', 'importlib'],
  ['zipimport', 'importlib'],
  ['pkgutil', 'pkgutil'],
  ['runpy', 'runpy'],
  ['ctypes', 'ctypes'],
  ['ctypeslib', 'ctypes'],
  ['pickle', 'pickle'],
  ['cPickle', 'pickle'],
  ['pickle_compat', 'pickle'],
  ['dill', 'dill'],
  ['cloudpickle', 'cloudpickle'],
  ['marshal', 'marshal'],
  ['code', 'code'],
  ['codeop', 'codeop'],
  ['gc', 'gc'],
  ['inspect', 'inspect'],
  ['socket', 'socket'],
  ['posix', 'os'],
  ['nt', 'os'],
  ['pty', 'pty'],
  ['posixsubprocess', 'subprocess'],
  ['multiprocessing', 'multiprocessing'],
  ['f2py', 'numpy.f2py'],
])

/**
 * Of those, the names unusual enough to refuse off any object, not only off a module:
 * `arr.ctypes` is numpy's door to raw memory, `x.importlib` a module however it was reached.
 */
const ESCAPE_ATTRIBUTES_ANYWHERE: ReadonlySet<string> = new Set([
  'ctypes',
  '_ctypes',
  'ctypeslib',
  'importlib',
  '_imp',
  'marshal',
  '_pickle',
  'pickle_compat',
  '_posixsubprocess',
  'f2py',
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
 * `[random][0]._os`, `param._sys.path`: a module's private handle on a restricted module, read
 * off any value, judged with the attributes read after it like the module itself
 * (`os_operations` allows `x._os.system`). Off a module name the path rules see it already;
 * off a value only the spelling is left, and an underscore before a restricted module's
 * name is how modules import it privately (`import os as _os`). Plain `x.os` stays allowed:
 * `config.os` is ordinary data.
 */
export function judgePrivateModuleAttribute(
  attribute: string,
  following: readonly string[],
  config: PolicyConfig,
  allowedImports: ReadonlySet<string>,
): ModuleFinding | undefined {
  const module = /^_+([a-z]+)$/.exec(attribute)?.[1]
  if (module === undefined || !RESTRICTED_MODULES.has(module)) return undefined
  return judgeModulePath([module, ...following], config, allowedImports)
}

/** The escape module an attribute or module name stands for (`_ctypes` → `ctypes`). */
function escapeModuleNamed(name: string): string | undefined {
  return ESCAPE_MODULES.get(name.replace(/^_+|_+$/g, ''))
}

/**
 * `arr.ctypes`, `whatever.importlib`: an escape module's unmistakable name read off any
 * object, refused unless that module is an allowed import.
 */
export function judgeEscapeAttribute(
  attribute: string,
  allowedImports: ReadonlySet<string>,
): ModuleFinding | undefined {
  if (!ESCAPE_ATTRIBUTES_ANYWHERE.has(attribute)) return undefined
  const module = escapeModuleNamed(attribute)
  if (module === undefined || allowedImports.has(module)) return undefined
  return { rule: module === 'subprocess' ? 'subprocess-access' : 'escape-module', subject: module }
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
    const escaping = escapeModuleNamed(part)
    if (escaping !== undefined && !allowedImports.has(escaping)) {
      const rule =
        escaping === 'subprocess'
          ? 'subprocess-access'
          : escaping === 'os'
            ? 'os-access'
            : 'escape-module'
      if (rule !== 'os-access' || !config.allowed_operations.os_operations) {
        const next = path[index + 1]
        return { rule, subject: next === undefined ? escaping : `${escaping}.${next}` }
      }
    }
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
