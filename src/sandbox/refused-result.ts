import type { PolicyReport } from '../policy/types.js'
import type { RunResult } from './execution-result.js'
import { partPrefix } from './part-prefix.js'
import { NO_RICH_RESULT } from './rich-result.js'

/** The result for code refused before any container starts: a syntax error or policy violations. */
export function refusedResult(id: string, report: PolicyReport): RunResult {
  const base = {
    id,
    exitCode: null,
    stdout: '',
    stderr: '',
    truncated: false,
    durationMs: 0,
    files: [],
    filesTruncated: false,
    runtime: null,
    ...NO_RICH_RESULT,
  }
  const list = report.violations
    .map((v) => `${v.rule} at ${partPrefix(v.part)}${v.line}:${v.column} (${v.text})`)
    .join('; ')
  const [syntax] = report.syntaxErrors
  if (syntax !== undefined) {
    // Python would refuse it too; what the policy found besides is reported with it.
    const where = `${partPrefix(syntax.part)}line ${syntax.line}, column ${syntax.column}`
    const also = list === '' ? '' : ` The static policy also refuses: ${list}.`
    return {
      ...base,
      status: 'error',
      violations: report.violations,
      error: { name: 'SyntaxError', value: `${syntax.message} (${where})`, traceback: '' },
      message: `SyntaxError at ${where}: ${syntax.message}.${also} Nothing was run.`,
    }
  }
  return {
    ...base,
    status: 'policy_violation',
    violations: report.violations,
    error: null,
    message: `Refused by the static policy before running: ${list}. See each violation's hint for the setting that allows it.`,
  }
}
