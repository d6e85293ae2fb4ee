import { DEFAULT_TOOL_RESULT_CHARS } from '../config/schema.js'
import type { SourcePart, Violation } from '../policy/types.js'
import type { ExecutionResult } from '../sandbox/execution-result.js'
import {
  charLength,
  count,
  describeCut,
  type FittedText,
  firstChars,
  fitText,
  isCut,
} from './fit-text.js'

export interface ToolResultOptions {
  /**
   * Most characters (code points) of the text; longer output keeps its head and tail.
   * @default 12_000 (`tool.result_chars`)
   */
  readonly maxChars?: number
  /** Lines said right after the status, e.g. that the timeout asked for was lowered. */
  readonly notes?: readonly string[]
}

/**
 * An output stream or the value: text that can be long, shortened to its share of the
 * budget. `headShare` is how much of what is kept comes from the start: most for stdout,
 * little for stderr (a traceback ends with what matters), all for a value.
 */
interface Elastic {
  readonly body: string
  readonly weight: number
  readonly headShare: number
  /** The section, given what is shown of the body and, when it was cut, how. */
  readonly render: (shown: string, cut: FittedText | undefined) => string
}

/** Said once when anything was cut: why, and how to see the rest. */
const cutHint = (maxChars: number) =>
  `(Shortened to ${count(maxChars)} characters, tool.result_chars. To see what was cut, print less: a summary, a slice, or counts such as len(), df.head(), df.describe(). The HTTP API's and the library's result keep all of it.)`
/** Past this share of the budget, violations are counted instead of listed. */
const VIOLATION_SHARE = 0.5
const MAX_LINE_SHARE = 0.25
/** A value's type name, as the header of a shortened value shows it. */
const MAX_TYPE_CHARS = 100

/**
 * The result as text a model can act on: the status first, then what it printed, then why
 * it failed and, for a refusal, each violation with the fix. At most `maxChars` characters:
 * long stdout, stderr and values are cut to their share, saying exactly what was cut; the
 * result object itself keeps everything.
 */
export function formatToolResult(result: ExecutionResult, options: ToolResultOptions = {}): string {
  const maxChars = options.maxChars ?? DEFAULT_TOOL_RESULT_CHARS
  const lineLimit = Math.floor(maxChars * MAX_LINE_SHARE)
  const line = (text: string) => limitLine(text, lineLimit)
  const head = [
    `status: ${result.status}${result.exitCode === null ? '' : ` (exit code ${result.exitCode})`}`,
    ...(options.notes ?? []).map((note) => line(`note: ${note}`)),
  ]
  const tail = closingLines(result, maxChars).map(line)
  const elastic = elasticSections(result)
  const needs = elastic.map((section) => charLength(section.body))
  const render = (room: number): string => {
    const shares = share(
      needs,
      elastic.map((section) => section.weight),
      Math.max(0, room),
    )
    let cut = false
    const middle = elastic.map((section, index) => {
      const fitted = fitText(section.body, shares[index] ?? 0, section.headShare)
      if (!isCut(fitted)) return section.render(section.body, undefined)
      cut = true
      const gap =
        fitted.tailChars === 0 ? '' : `\n[… ${count(cutChars(fitted))} characters cut …]\n`
      return section.render(`${fitted.head}${gap}${fitted.tail}`, fitted)
    })
    return [...head, ...middle, ...tail, ...(cut ? [cutHint(maxChars)] : [])].join('\n')
  }
  // Everything fits, or the output gets what the other lines leave; the headers of what is
  // cut take room too, so a pass that overshoots gives the output that much less.
  let room = needs.reduce((sum, need) => sum + need, 0)
  for (let pass = 0; pass < 4; pass++) {
    const text = render(room)
    const over = charLength(text) - maxChars
    if (over <= 0) return text
    room -= over
  }
  // A last guard for the bound, whatever the lines above held.
  const text = render(room)
  const marker = `\n[… cut to ${count(maxChars)} characters (tool.result_chars) …]`
  return firstChars(text, maxChars - charLength(marker)) + marker
}

function elasticSections(result: ExecutionResult): Elastic[] {
  const sections: Elastic[] = []
  const stream = (name: string, body: string, weight: number, headShare: number) =>
    sections.push({
      body,
      weight,
      headShare,
      render: (shown, cut) =>
        cut === undefined ? `${name}:\n${shown}` : `${name}: ${describeCut(cut)}:\n${shown}`,
    })
  if (result.stdout !== '') stream('stdout', result.stdout.trimEnd(), 2, 0.75)
  if (result.stderr !== '') stream('stderr', result.stderr.trimEnd(), 1, 0.25)
  if (result.result !== null) {
    const { table, repr } = result.result
    const type = limitLine(result.result.type, MAX_TYPE_CHARS)
    if (table === undefined) {
      sections.push({
        body: repr,
        weight: 1,
        headShare: 1,
        render: (shown, cut) =>
          cut === undefined ? `value: ${shown}` : `value (${type}; ${describeCut(cut)}): ${shown}`,
      })
    } else {
      const about = `${type} of ${table.shape[0]} rows × ${table.shape[1]} columns${table.truncated ? ` (first ${table.rows.length} shown)` : ''}`
      sections.push({
        body: table.markdown,
        weight: 1,
        headShare: 1,
        render: (shown, cut) =>
          cut === undefined
            ? `value: ${about}\n${shown}`
            : `value: ${about}; the table is ${describeCut(cut)}:\n${shown}`,
      })
    }
  }
  return sections
}

/** Everything after the output and the value: charts, why it failed, what to do. */
function closingLines(result: ExecutionResult, maxChars: number): string[] {
  const lines: string[] = []
  if (result.artifacts.length > 0) {
    const charts = result.artifacts.map((a) => `${a.name} (${a.width}×${a.height})`).join(', ')
    lines.push(`charts: ${charts}${result.artifactsTruncated ? '; more were left out' : ''}`)
  }
  if (result.truncated) lines.push('(output was cut at the output limit)')
  if (result.error !== null && result.error.traceback === '') {
    lines.push(`error: ${result.error.name}: ${result.error.value}`)
  }
  lines.push(...violationLines(result.violations, maxChars * VIOLATION_SHARE))
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
  return lines
}

/** One line per violation, as many as fit in `room` characters; the rest are counted. */
function violationLines(violations: readonly Violation[], room: number): string[] {
  const lines: string[] = []
  let used = 0
  for (const [index, v] of violations.entries()) {
    const text = `violation ${where(v.part)}at line ${v.line}, column ${v.column}: ${v.message} (\`${v.text}\`); ${v.hint}`
    used += charLength(text) + 1
    if (used > room && index > 0) {
      const left = violations.length - index
      lines.push(
        `(${left} more violation${left === 1 ? '' : 's'} not listed here: fix these and run again to see them)`,
      )
      break
    }
    lines.push(text)
  }
  return lines
}

/** The tool's own argument names: the model sent `setup_code`, not `setupCode`. */
function where(part: SourcePart | undefined): string {
  if (part === undefined) return ''
  return part === 'setupCode' ? 'in setup_code ' : 'in code '
}

function cutChars(fitted: FittedText): number {
  return fitted.total - fitted.headChars - fitted.tailChars
}

/** A line longer than `limit` characters keeps its start. */
function limitLine(text: string, limit: number): string {
  if (charLength(text) <= limit) return text
  return `${firstChars(text, limit - 1)}…`
}

/**
 * Splits `budget` between sections by weight; a section that needs less than its share
 * gives the rest back to the others. Returns each section's characters.
 */
export function share(
  needs: readonly number[],
  weights: readonly number[],
  budget: number,
): number[] {
  const given = needs.map(() => 0)
  let open = needs.map((_, index) => index)
  let left = budget
  while (open.length > 0) {
    const weight = open.reduce((sum, index) => sum + (weights[index] ?? 0), 0)
    const satisfied = open.filter(
      (index) => (needs[index] ?? 0) <= (left * (weights[index] ?? 0)) / weight,
    )
    if (satisfied.length === 0) {
      for (const index of open) given[index] = Math.floor((left * (weights[index] ?? 0)) / weight)
      break
    }
    for (const index of satisfied) {
      given[index] = needs[index] ?? 0
      left -= needs[index] ?? 0
    }
    open = open.filter((index) => !satisfied.includes(index))
  }
  return given
}
