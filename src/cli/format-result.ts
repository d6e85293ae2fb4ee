import type { PolicyReport, Violation } from '../policy/types.js'
import type { ExecutionResult } from '../sandbox/execution-result.js'

/** One line for the end of a human-readable run, e.g. `ok · exit 0 · 412 ms`. */
export function statusLine(result: ExecutionResult): string {
  const parts: string[] = [result.status]
  if (result.exitCode !== null) parts.push(`exit ${result.exitCode}`)
  parts.push(`${result.durationMs} ms`)
  if (result.truncated) parts.push('output truncated')
  return `[tinyagent-sandbox] ${parts.join(' · ')}`
}

export function formatViolation(violation: Violation): string {
  return `  line ${violation.line}, column ${violation.column}: ${violation.rule}: ${violation.message}\n      ${violation.text}\n      hint: ${violation.hint}`
}

/** The human rendering of a static check. */
export function formatReport(report: PolicyReport, source: string): string {
  if (!report.checked && report.allowed) {
    return `${source}: static policy is off (allow_dangerous_operations: true); the container limits still apply.`
  }
  if (report.allowed) return `${source}: allowed by the static policy.`
  const lines = [`${source}: refused.`]
  for (const problem of report.syntaxErrors) {
    lines.push(`  line ${problem.line}, column ${problem.column}: syntax error: ${problem.message}`)
  }
  lines.push(...report.violations.map(formatViolation))
  return lines.join('\n')
}
