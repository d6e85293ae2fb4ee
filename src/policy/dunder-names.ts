/** `__x__`: Python's own names, the handles on its internals. */
export function isDunder(name: string): boolean {
  return name.length > 4 && name.startsWith('__') && name.endsWith('__')
}

/**
 * The short allowlist: dunders that describe or construct an object without reaching
 * anything else (`super().__init__()`, `np.__version__`, `type(x).__name__`).
 */
const HARMLESS_ATTRIBUTES: ReadonlySet<string> = new Set([
  '__name__',
  '__qualname__',
  '__doc__',
  '__version__',
  '__init__',
  '__len__',
  '__str__',
  '__repr__',
  '__iter__',
  '__next__',
  '__enter__',
  '__exit__',
])

/** Bare dunder names that are plain data: the module's name, `__debug__`, a class body's own. */
const HARMLESS_NAMES: ReadonlySet<string> = new Set([
  '__name__',
  '__doc__',
  '__debug__',
  '__qualname__',
  '__module__',
])

/** Frame, traceback, generator and code internals: no dunder, the same climb. */
const FRAME_ATTRIBUTES: ReadonlySet<string> = new Set([
  'gi_frame',
  'gi_code',
  'gi_yieldfrom',
  'cr_frame',
  'cr_code',
  'cr_await',
  'ag_frame',
  'ag_code',
  'ag_await',
  'tb_frame',
  'tb_next',
  'f_back',
  'f_globals',
  'f_locals',
  'f_builtins',
  'f_code',
  'co_code',
  'co_consts',
  'func_globals',
  'func_code',
])

export function isHarmlessDunderAttribute(name: string): boolean {
  return HARMLESS_ATTRIBUTES.has(name)
}

export function isHarmlessDunderName(name: string): boolean {
  return HARMLESS_NAMES.has(name)
}

export function isFrameAttribute(name: string): boolean {
  return FRAME_ATTRIBUTES.has(name)
}

/** An attribute name that no plain code needs to spell: a dunder outside the allowlist, or a frame's. */
export function isInternalAttribute(name: string): boolean {
  return (isDunder(name) && !isHarmlessDunderAttribute(name)) || isFrameAttribute(name)
}
