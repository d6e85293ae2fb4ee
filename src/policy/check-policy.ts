import type { Tree } from '@lezer/common'
import { allowedImports } from './allowed-imports.js'
import {
  checkAttributeReads,
  checkFormatFields,
  checkNamedAttributeCalls,
  checkStores,
} from './escape-rules.js'
import { checkLibraryFileCalls } from './file-rules.js'
import { checkImports } from './import-rules.js'
import { NestingTooDeepError, type WalkResult, walkNames } from './name-walker.js'
import { checkUses, type Finding } from './operation-rules.js'
import { parsePython } from './parse-python.js'
import { type PolicyRule, RULES } from './rules.js'
import { joinSetupCode, splitReport } from './setup-code.js'
import { SourcePositions } from './source-positions.js'
import type { PolicyConfig, PolicyReport, SyntaxProblem, Violation } from './types.js'

/**
 * The static policy: parses the Python source into a syntax tree, resolves every name it reads
 * through Python's scopes, and refuses what the configuration does not allow. Pure and
 * synchronous; it never runs the code.
 *
 * `allow_dangerous_operations: true` turns the rules off (`checked: false`), but certain syntax
 * errors are still reported and still refuse: that code would fail in the container anyway,
 * and saying so up front costs nothing and saves starting one. Code the parser cannot read
 * but Python may accept (parse-python.ts) runs there; under the rules it is refused as
 * `not-analysable`, beside any violation found in what could be read.
 */
export function checkPolicy(
  source: string,
  config: PolicyConfig,
  options: CheckOptions = {},
): PolicyReport {
  const { setupCode } = options
  if (setupCode === undefined) return checkSource(source, config)
  // One check of both, as they run; the newline that joins them does not count against the size.
  const joined = joinSetupCode(setupCode, source)
  const report = splitReport(checkSource(joined.source, config, 1), joined.codeLine)
  // The runner compiles the setup code on its own, so a bracket or string it leaves open is
  // its own syntax error (as Python reports it), not one at the end of the code.
  const setupErrors = parsePython(setupCode, new SourcePositions(setupCode)).syntaxErrors
  if (setupErrors.length === 0) return report
  const syntaxErrors = setupErrors.map((problem) => ({ ...problem, part: 'setupCode' as const }))
  return { ...report, allowed: false, syntaxErrors }
}

export interface CheckOptions {
  /**
   * Code run first, in the same process and namespace (a request's `setupCode`). It is
   * checked with the source, so a name it binds is known where the source uses it, and each
   * finding says which part it is in (`part`), its line counted in that part.
   */
  readonly setupCode?: string | undefined
}

/** @param joinBytes - bytes of `source` that joined setup code to code, not counted in its size. */
function checkSource(source: string, config: PolicyConfig, joinBytes = 0): PolicyReport {
  const tooLarge = sizeRefusal(source, joinBytes)
  if (tooLarge !== undefined) return tooLarge
  const positions = new SourcePositions(source)
  const parsed = parsePython(source, positions)
  if (config.allow_dangerous_operations) {
    const syntaxErrors = parsed.syntaxErrors
    return { allowed: syntaxErrors.length === 0, checked: false, violations: [], syntaxErrors }
  }
  const walked = walkOrExplain(parsed.tree, source, positions)
  const unparsed = parsed.unparsed.map(notAnalysable)
  if (walked.problem !== undefined) {
    const syntaxErrors = [...parsed.syntaxErrors, walked.problem]
    return { allowed: false, checked: true, violations: unparsed, syntaxErrors }
  }
  // Violations are still reported alongside syntax errors: they point at real text either way.
  const context = { config, allowedImports: allowedImports(config) }
  const walk = walked.result
  const imports = checkImports(walk.imports, context)
  const ruleContext = { ...context, reported: imports.reported }
  const findings = [
    ...imports.findings,
    ...checkUses(walk.uses, ruleContext),
    ...checkAttributeReads(walk.attributeReads, ruleContext),
    ...checkFormatFields(walk.formatFields),
    ...checkStores(walk.stores, ruleContext),
    ...checkNamedAttributeCalls(walk.calls, ruleContext),
    ...(config.allowed_operations.file_operations ? [] : checkLibraryFileCalls(walk)),
  ]
  const violations = [...unparsed, ...toViolations(findings, positions)].sort(
    (a, b) => a.line - b.line || a.column - b.column,
  )
  const syntaxErrors = parsed.syntaxErrors
  const allowed = violations.length === 0 && syntaxErrors.length === 0
  return { allowed, checked: true, violations, syntaxErrors }
}

/** Largest source the policy parses; the sandbox's own request cap is the same. */
export const MAX_CHECKED_BYTES = 1_048_576

/** Refuses, without parsing, a source too large to check quickly; undefined when it fits. */
function sizeRefusal(source: string, joinBytes: number): PolicyReport | undefined {
  // Up to 3 UTF-8 bytes per UTF-16 unit: most sources are certainly small enough unmeasured.
  if (source.length * 3 <= MAX_CHECKED_BYTES) return undefined
  const bytes = Buffer.byteLength(source, 'utf8') - joinBytes
  if (bytes <= MAX_CHECKED_BYTES) return undefined
  const rule: PolicyRule = RULES['source-too-large']
  const violation: Violation = {
    rule: rule.id,
    line: 1,
    column: 1,
    text: '',
    message: rule.message(String(bytes)),
    hint: rule.hint(String(bytes)),
  }
  return { allowed: false, checked: true, violations: [violation], syntaxErrors: [] }
}

function notAnalysable(problem: SyntaxProblem): Violation {
  const rule: PolicyRule = RULES['not-analysable']
  return {
    rule: rule.id,
    line: problem.line,
    column: problem.column,
    text: '',
    message: rule.message(problem.message),
    hint: rule.hint(problem.message),
  }
}

type Walked =
  | { readonly result: WalkResult; readonly problem?: undefined }
  | { readonly problem: SyntaxProblem }

function walkOrExplain(tree: Tree, source: string, positions: SourcePositions): Walked {
  try {
    return { result: walkNames(tree, source) }
  } catch (error) {
    if (!(error instanceof NestingTooDeepError)) throw error
    return { problem: { ...positions.at(error.offset), message: error.message } }
  }
}

/** One violation per rule and position, in source order, worded from the rule table. */
function toViolations(findings: readonly Finding[], positions: SourcePositions): Violation[] {
  const unique = new Map<string, Finding>()
  for (const finding of findings) {
    const key = `${finding.rule}@${finding.from}`
    if (!unique.has(key)) unique.set(key, finding)
  }
  const ordered = [...unique.values()].sort(
    (a, b) => a.from - b.from || a.rule.localeCompare(b.rule),
  )
  return ordered.map((finding) => {
    const rule = RULES[finding.rule]
    return {
      rule: finding.rule,
      ...positions.at(finding.from),
      text: positions.excerpt(finding.from, finding.to),
      message: rule.message(finding.subject),
      hint: rule.hint(finding.subject),
    }
  })
}
