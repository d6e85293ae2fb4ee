/** Percentile by nearest rank over a copy of the samples. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank] ?? Number.NaN
}

export interface Row {
  readonly name: string
  readonly samples: readonly number[]
  readonly unit?: string
}

/** Prints rows as a fixed-width table: n, min, p50, p90, p99, max. */
export function printTable(title: string, rows: readonly Row[]): void {
  const header = ['case', 'n', 'min', 'p50', 'p90', 'p99', 'max']
  const body = rows.map((row) => {
    const unit = row.unit ?? 'ms'
    const fmt = (v: number): string => `${v < 10 ? v.toFixed(2) : v.toFixed(0)} ${unit}`
    return [
      row.name,
      String(row.samples.length),
      fmt(percentile(row.samples, 0)),
      fmt(percentile(row.samples, 50)),
      fmt(percentile(row.samples, 90)),
      fmt(percentile(row.samples, 99)),
      fmt(percentile(row.samples, 100)),
    ]
  })
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')
  console.log(`\n${title}`)
  console.log(line(header))
  console.log(line(widths.map((w) => '-'.repeat(w))))
  for (const row of body) console.log(line(row))
}
