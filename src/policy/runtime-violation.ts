import { RUNTIME_RULES } from './runtime-rules.js'
import type { SourcePart, Violation } from './types.js'

/** A refusal as the runtime guard reports it in the result frame, before wording. */
export interface GuardRefusal {
  readonly rule: string
  /** The audit event, e.g. `open`. */
  readonly event: string
  /** What the guard saw, e.g. `open('/etc/passwd', 'r')`. */
  readonly subject: string
  /** Where in the code; 0 when no line of the code was running. */
  readonly line: number
  readonly column: number
  readonly text: string
  /** Which source the line is in; only when the request had setup code. */
  readonly part?: SourcePart
}

/** Every `SourcePart`; the runner writes these names too (runner-input.test.ts checks). */
export const SOURCE_PARTS: readonly SourcePart[] = ['setupCode', 'code']

/**
 * Words a runtime refusal like a static one, from the same kind of rule table. The report
 * comes from inside the container, so anything malformed or unknown gives undefined.
 */
export function runtimeViolation(value: unknown): Violation | undefined {
  const refusal = value as Partial<GuardRefusal> | null | undefined
  if (
    typeof refusal?.rule !== 'string' ||
    typeof refusal.event !== 'string' ||
    typeof refusal.subject !== 'string' ||
    typeof refusal.text !== 'string' ||
    !Number.isInteger(refusal.line) ||
    !Number.isInteger(refusal.column)
  ) {
    return undefined
  }
  if (!Object.hasOwn(RUNTIME_RULES, refusal.rule)) return undefined
  if (refusal.part !== undefined && !SOURCE_PARTS.includes(refusal.part)) return undefined
  const rule = RUNTIME_RULES[refusal.rule as keyof typeof RUNTIME_RULES]
  return {
    rule: rule.id,
    line: refusal.line as number,
    column: refusal.column as number,
    ...(refusal.part === undefined ? {} : { part: refusal.part }),
    text: refusal.text.slice(0, 80),
    message: rule.message(refusal.subject),
    hint: rule.hint(refusal.subject),
    event: refusal.event,
  }
}
