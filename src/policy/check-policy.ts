import type { Tree } from '@lezer/common'
import { allowedImports } from './allowed-imports.js'
import { checkImports } from './import-rules.js'
import { NestingTooDeepError, type WalkResult, walkNames } from './name-walker.js'
import { checkUses, type Finding } from './operation-rules.js'
import { parsePython } from './parse-python.js'
import { RULES } from './rules.js'
import { SourcePositions } from './source-positions.js'
import type { PolicyConfig, PolicyReport, SyntaxProblem, Violation } from './types.js'

/**
 * The static policy: parses the Python source into a syntax tree, resolves every name it reads
 * through Python's scopes, and refuses what the configuration does not allow. Pure and
 * synchronous; it never runs the code.
 *
 * `allow_dangerous_operations: true` turns the rules off (`checked: false`), but syntax errors
 * are still reported and still refuse: that code would fail in the container anyway, and
 * saying so up front costs nothing and saves starting one.
 */
export function checkPolicy(source: string, config: PolicyConfig): PolicyReport {
  const positions = new SourcePositions(source)
  const parsed = parsePython(source, positions)
  if (config.allow_dangerous_operations) {
    const syntaxErrors = parsed.syntaxErrors
    return { allowed: syntaxErrors.length === 0, checked: false, violations: [], syntaxErrors }
  }
  const walked = walkOrExplain(parsed.tree, source, positions)
  if (walked.problem !== undefined) {
    const syntaxErrors = [...parsed.syntaxErrors, walked.problem]
    return { allowed: false, checked: true, violations: [], syntaxErrors }
  }
  // Violations are still reported alongside syntax errors: they point at real text either way.
  const context = { config, allowedImports: allowedImports(config) }
  const imports = checkImports(walked.result.imports, context)
  const uses = checkUses(walked.result.uses, { ...context, reported: imports.reported })
  const violations = toViolations([...imports.findings, ...uses], positions)
  const syntaxErrors = parsed.syntaxErrors
  const allowed = violations.length === 0 && syntaxErrors.length === 0
  return { allowed, checked: true, violations, syntaxErrors }
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
