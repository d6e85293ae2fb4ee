import { isImportAllowed } from './allowed-imports.js'
import { judgeModulePath } from './module-access.js'
import type { ImportRecord } from './name-walker.js'
import type { Finding, RuleContext } from './operation-rules.js'
import type { ImportStatement } from './read-import.js'
import type { Binding } from './scope.js'

export interface ImportCheck {
  readonly findings: readonly Finding[]
  /**
   * Bindings whose import was refused. A from-import binds the refused thing itself
   * (`from os import system`), so its uses are consequences, not new refusals.
   */
  readonly reported: ReadonlySet<Binding>
}

type ImportContext = Omit<RuleContext, 'reported'>

/** Checks every import statement, wherever it appears, against the import allowlist. */
export function checkImports(
  records: readonly ImportRecord[],
  context: ImportContext,
): ImportCheck {
  const findings: Finding[] = []
  const reported = new Set<Binding>()
  for (const { statement, bindings } of records) {
    const refuse: Refuse = (finding, nameIndexes) => {
      findings.push(finding)
      for (const index of nameIndexes) {
        const binding = bindings[index]
        if (binding !== undefined) reported.add(binding)
      }
    }
    if (statement.kind === 'import') checkPlainImport(statement, context, refuse)
    else checkFromImport(statement, context, refuse)
  }
  return { findings, reported }
}

/** Records a refusal and the imported names (by index) it covers. */
type Refuse = (finding: Finding, nameIndexes: readonly number[]) => void

/**
 * `import a.b, c`: every name is checked, not only the first. The binding is the module
 * itself, not yet an operation, so each use is still judged (and reported) on its own.
 */
function checkPlainImport(
  statement: ImportStatement,
  context: ImportContext,
  refuse: Refuse,
): void {
  for (const name of statement.names) {
    if (isImportAllowed(name.path, context.allowedImports)) continue
    const subject = name.path.join('.')
    refuse({ rule: 'import-not-allowed', subject, from: name.from, to: name.to }, [])
  }
}

/**
 * `from m import x`: allowed when `m` is, or when `m.x` is (`os.path` allows
 * `from os import path`). Taking an operation out of a restricted module is itself the use.
 */
function checkFromImport(statement: ImportStatement, context: ImportContext, refuse: Refuse): void {
  const { module, names } = statement
  if (statement.level > 0) {
    const subject = `from ${'.'.repeat(statement.level)}${module.join('.')}`
    refuse({ rule: 'relative-import', subject, from: statement.from, to: statement.to }, [])
    return
  }
  // A compiler directive, not a module that brings any capability in.
  if (module[0] === '__future__') return
  const paths = names.map((name) => [...module, ...name.path])
  const allowed = paths.map((path) => isImportAllowed(path, context.allowedImports))
  if (!allowed.includes(true)) {
    // Nothing of the module is allowed: one refusal naming the module reads best.
    const subject = module.join('.')
    const all = names.map((_, index) => index)
    refuse({ rule: 'import-not-allowed', subject, from: statement.from, to: statement.to }, all)
    return
  }
  names.forEach((name, index) => {
    const path = paths[index] ?? []
    const found = allowed[index]
      ? judgeModulePath(path, context.config, context.allowedImports)
      : { rule: 'import-not-allowed' as const, subject: path.join('.') }
    if (found !== undefined) refuse({ ...found, from: name.from, to: name.to }, [index])
  })
}
