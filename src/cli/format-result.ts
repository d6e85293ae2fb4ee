import type { PolicyReport, Violation } from '../policy/types.js'
import type { ExecutionResult } from '../sandbox/execution-result.js'
import { escapeControlCharacters } from './terminal-text.js'
import { summarizeRichResult } from './write-artifacts.js'

/** One line for the end of a human-readable run, e.g. `ok · exit 0 · 412 ms`. */
export function statusLine(result: ExecutionResult): string {
  const parts: string[] = [result.status]
  if (result.exitCode !== null) parts.push(`exit ${result.exitCode}`)
  parts.push(`${result.durationMs} ms`)
  if (result.truncated) parts.push('output truncated')
  return `[tinyagent-sandbox] ${parts.join(' · ')}`
}

/** Which of the two streams is a terminal (`isTTY`). */
export interface Terminals {
  readonly stdout: boolean
  readonly stderr: boolean
}

/**
 * The human rendering of a run, as the text for stdout and for stderr (everything for stdout
 * comes first, so two strings keep the order). Everything but our own lines came from the
 * sandbox: output, value, error text, file names. On a terminal its control characters are
 * escaped, so it cannot restyle, move over or hide what we print, least of all the status
 * line; a pipe gets it byte for byte.
 */
export function formatHumanResult(
  result: ExecutionResult,
  written: readonly string[],
  outDir: string | undefined,
  terminals: Terminals,
): { stdout: string; stderr: string } {
  const out: string[] = [result.stdout]
  const rich = summarizeRichResult(result)
  if (rich.length > 0) out.push(`${rich.join('\n')}\n`)
  const err: string[] = [result.stderr]
  if (result.violations.length > 0)
    err.push(`${result.violations.map(formatViolation).join('\n')}\n`)
  // A traceback on stderr already says what the message would.
  const explained = result.error !== null && result.error.traceback !== ''
  if (result.message !== null && !explained) err.push(`${result.message}\n`)
  if (outDir !== undefined) {
    err.push(`[tinyagent-sandbox] wrote ${written.length} file(s) to ${outDir}\n`)
  } else if (result.files.length > 0) {
    const names = result.files.map((file) => file.name).join(', ')
    err.push(
      `[tinyagent-sandbox] ${result.files.length} file(s) returned (${names}); --out DIR saves them\n`,
    )
  }
  const stdout = out.join('')
  const stderr = err.join('')
  // On a terminal the status line starts a line of its own, even after output that did not.
  const last = stderr !== '' || !terminals.stdout ? stderr : stdout
  const lineBreak = terminals.stderr && last !== '' && !last.endsWith('\n') ? '\n' : ''
  return {
    stdout: terminals.stdout ? escapeControlCharacters(stdout) : stdout,
    stderr: `${terminals.stderr ? escapeControlCharacters(stderr) : stderr}${lineBreak}${statusLine(result)}\n`,
  }
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
