import { percentile } from '../stats.js'

/** Prints a titled markdown table, ready to paste into docs/performance.md. */
export function printMarkdownTable(
  title: string,
  header: readonly string[],
  rows: readonly (readonly string[])[],
): void {
  console.log(`\n${title}\n`)
  console.log(`| ${header.join(' | ')} |`)
  console.log(`| ${header.map(() => '---').join(' | ')} |`)
  for (const row of rows) console.log(`| ${row.join(' | ')} |`)
}

/** p50, p90 and p99 of samples in ms, as table cells. */
export function percentileCells(samples: readonly number[]): string[] {
  return [50, 90, 99].map((p) => `${percentile(samples, p).toFixed(1)}`)
}
