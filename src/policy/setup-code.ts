import { SourcePositions } from './source-positions.js'
import type { PolicyReport, SourcePart } from './types.js'

/** Setup code and code as one source, the way they run: one process, one namespace, setup first. */
export interface JoinedSource {
  readonly source: string
  /** The line of `source` on which the code's first line sits. */
  readonly codeLine: number
}

/**
 * Joins the two parts so that rules which follow bindings see a name bound in the setup code
 * (`import numpy as np`) where the code uses it (`np.load(...)`). The runner compiles each
 * part on its own and runs the code only after the setup code ran, so a setup that would
 * leave a string or bracket open, and so hide the code from this check, never gets that far.
 */
export function joinSetupCode(setupCode: string, code: string): JoinedSource {
  const source = `${setupCode}\n${code}`
  // Positions count line ends as Python does (a setup ending in `\r` joins into one `\r\n`).
  const codeLine = new SourcePositions(source).at(setupCode.length + 1).line
  return { source, codeLine }
}

/** A report on a joined source, each finding placed in its part with the line counted there. */
export function splitReport(report: PolicyReport, codeLine: number): PolicyReport {
  const place = <T extends { readonly line: number }>(finding: T): T & { part: SourcePart } =>
    finding.line < codeLine
      ? { ...finding, part: 'setupCode' }
      : { ...finding, line: finding.line - codeLine + 1, part: 'code' }
  return {
    ...report,
    violations: report.violations.map(place),
    syntaxErrors: report.syntaxErrors.map(place),
  }
}
