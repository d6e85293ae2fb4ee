import type { ExecutionResult } from '../sandbox/execution-result.js'
import type { OutputFile } from '../workspace/workspace-files.js'

/**
 * Charts and the trailing table, as returned files for `--out DIR`: `charts/figure-N.png`,
 * and `result.html` and `result.md` when the value was a DataFrame or Series. They go
 * through the same checked writer as workspace files (names from the container are
 * untrusted), in the same call, so every name is checked before anything is written.
 */
export function artifactFiles(result: ExecutionResult): OutputFile[] {
  const entries = result.artifacts.map((chart) => ({
    name: `charts/${chart.name}`,
    content: Buffer.from(chart.base64, 'base64'),
  }))
  const table = result.result?.table
  if (table !== undefined) {
    entries.push({ name: 'result.html', content: Buffer.from(table.html) })
    entries.push({ name: 'result.md', content: Buffer.from(`${table.markdown}\n`) })
  }
  return entries.map((entry) => ({
    name: entry.name,
    size: entry.content.length,
    contentBase64: entry.content.toString('base64'),
    truncated: false,
  }))
}

/** A short, readable summary of the value and charts for the terminal. */
export function summarizeRichResult(result: ExecutionResult): string[] {
  const lines: string[] = []
  const value = result.result
  if (value?.table !== undefined) {
    const { shape, truncated, markdown } = value.table
    lines.push(
      `${value.type}: ${shape[0]} rows × ${shape[1]} columns${truncated ? ' (first rows)' : ''}`,
      markdown,
    )
  } else if (value !== null) {
    lines.push(`=> ${value.repr}${value.reprTruncated ? ' …' : ''}`)
  }
  if (result.artifacts.length > 0) {
    const count = result.artifacts.length
    lines.push(
      `${count} chart${count === 1 ? '' : 's'}${result.artifactsTruncated ? ' (more left out)' : ''}`,
    )
  }
  return lines
}
