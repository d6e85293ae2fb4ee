import { writeFile } from 'node:fs/promises'
import { percentile } from '../../bench/stats.js'
import type { Outcome } from './run-load.js'

export interface LatencyRow {
  readonly status: string
  readonly count: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
}

export interface LoadReport {
  readonly executions: number
  readonly concurrency: number
  readonly failed: number
  readonly durationSeconds: number
  readonly throughputPerSecond: number
  /** Per expected status, then `all`. */
  readonly latency: readonly LatencyRow[]
  readonly rssMib: { readonly start: number; readonly peak: number; readonly end: number }
  /** Most containers of this instance seen at once during the load (running, warm or being removed). */
  readonly peakContainers: number
}

export function buildReport(
  outcomes: readonly Outcome[],
  facts: Omit<LoadReport, 'executions' | 'failed' | 'throughputPerSecond' | 'latency'>,
): LoadReport {
  const byStatus = new Map<string, number[]>()
  for (const o of outcomes) {
    const samples = byStatus.get(o.loadCase.expectedStatus) ?? []
    samples.push(o.latencyMs)
    byStatus.set(o.loadCase.expectedStatus, samples)
  }
  const row = (status: string, samples: readonly number[]): LatencyRow => ({
    status,
    count: samples.length,
    p50Ms: Math.round(percentile(samples, 50)),
    p99Ms: Math.round(percentile(samples, 99)),
    maxMs: Math.round(percentile(samples, 100)),
  })
  return {
    ...facts,
    executions: outcomes.length,
    failed: outcomes.filter((o) => o.problems.length > 0).length,
    throughputPerSecond: round(outcomes.length / facts.durationSeconds),
    latency: [
      ...[...byStatus].sort(([a], [b]) => a.localeCompare(b)).map(([s, v]) => row(s, v)),
      row(
        'all',
        outcomes.map((o) => o.latencyMs),
      ),
    ],
  }
}

export function printReport(report: LoadReport): void {
  const table = [
    ['status', 'n', 'p50', 'p99', 'max'],
    ...report.latency.map((r) => [
      r.status,
      String(r.count),
      `${r.p50Ms} ms`,
      `${r.p99Ms} ms`,
      `${r.maxMs} ms`,
    ]),
  ]
  const widths = (table[0] ?? []).map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')
  const { rssMib } = report
  console.log(
    [
      '',
      `Load: ${report.executions} executions over HTTP at concurrency ${report.concurrency}, ${report.failed} failed`,
      `total ${report.durationSeconds} s, ${report.throughputPerSecond} executions/s, at most ${report.peakContainers} containers at once`,
      `orchestrator RSS: start ${rssMib.start} MiB, peak ${rssMib.peak} MiB, end ${rssMib.end} MiB`,
      line(table[0] ?? []),
      line(widths.map((w) => '-'.repeat(w))),
      ...table.slice(1).map(line),
    ].join('\n'),
  )
}

/** Writes the report as JSON where env LOAD_REPORT points, if it does. */
export async function writeReport(report: LoadReport): Promise<void> {
  const path = process.env.LOAD_REPORT
  if (path !== undefined && path !== '')
    await writeFile(path, `${JSON.stringify(report, null, 2)}\n`)
}

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}
