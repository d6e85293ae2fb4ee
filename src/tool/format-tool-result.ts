import type { ExecutionResult } from '../sandbox/execution-result.js'

/**
 * The result as text a model can act on: the status first, then what it printed, then why
 * it failed and, for a refusal, each violation with the fix.
 */
export function formatToolResult(result: ExecutionResult): string {
  const lines = [
    `status: ${result.status}${result.exitCode === null ? '' : ` (exit code ${result.exitCode})`}`,
  ]
  if (result.stdout !== '') lines.push(`stdout:\n${result.stdout.trimEnd()}`)
  if (result.stderr !== '') lines.push(`stderr:\n${result.stderr.trimEnd()}`)
  if (result.result !== null) {
    const table = result.result.table
    lines.push(
      table === undefined
        ? `value: ${result.result.repr}`
        : `value: ${result.result.type} of ${table.shape[0]} rows × ${table.shape[1]} columns${table.truncated ? ` (first ${table.rows.length} shown)` : ''}\n${table.markdown}`,
    )
  }
  if (result.artifacts.length > 0) {
    const charts = result.artifacts.map((a) => `${a.name} (${a.width}×${a.height})`).join(', ')
    lines.push(`charts: ${charts}${result.artifactsTruncated ? '; more were left out' : ''}`)
  }
  if (result.truncated) lines.push('(output was cut at the output limit)')
  if (result.error !== null && result.error.traceback === '') {
    lines.push(`error: ${result.error.name}: ${result.error.value}`)
  }
  for (const v of result.violations) {
    lines.push(
      `violation at line ${v.line}, column ${v.column}: ${v.message} (\`${v.text}\`); ${v.hint}`,
    )
  }
  // A traceback on stderr already says what the message would.
  const explained = result.error !== null && result.error.traceback !== ''
  if (
    result.status !== 'ok' &&
    result.message !== null &&
    result.violations.length === 0 &&
    !explained
  ) {
    lines.push(result.message)
  }
  if (result.status === 'policy_violation') {
    // A runtime guard refusal (it has an event) stopped code that had started.
    const ranFirst = result.violations.some((v) => v.event !== undefined)
    lines.push(
      ranFirst
        ? 'Stopped while running; the output above is what ran first. Rewrite the code without the refused operation.'
        : 'Nothing was run. Rewrite the code without the refused constructs.',
    )
  }
  if (
    result.stdout === '' &&
    result.status === 'ok' &&
    result.result === null &&
    result.artifacts.length === 0
  ) {
    lines.push('(no output: print what you need)')
  }
  return lines.join('\n')
}
