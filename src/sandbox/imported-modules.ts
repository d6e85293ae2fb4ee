/** An `import a.b as c, d` or `from a.b import c` statement, at the start of a line or after `;`. */
const IMPORT = /(?:^|[;\n])[ \t]*(?:from[ \t]+([\w.]+)|import[ \t]+([^;\n#]+))/g

/**
 * The top-level modules a source names in its import statements, found by a line scan, not
 * a parse: cheap enough for every execution, and only a hint (a string that looks like an
 * import counts; `__import__` calls do not). The policy's own check is elsewhere.
 */
export function importedModules(source: string): Set<string> {
  const names = new Set<string>()
  for (const [, from, imports] of source.matchAll(IMPORT)) {
    const dotted = from === undefined ? (imports ?? '').split(',') : [from]
    for (const name of dotted) {
      const top = name.trim().split(/[.\s]/)[0]
      if (top) names.add(top)
    }
  }
  return names
}

/** Whether any of `sources` imports one of `modules` (dotted names count by their top level). */
export function importsAnyOf(sources: readonly string[], modules: readonly string[]): boolean {
  if (modules.length === 0) return false
  const wanted = new Set(modules.map((name) => name.split('.')[0]))
  return sources.some((source) => [...importedModules(source)].some((name) => wanted.has(name)))
}
