import type { LimitsConfig } from '../config/schema.js'
import type { GuardSettings } from '../policy/runtime-guard.js'

/** The source the runner runs: setup code (when there is any) first, then the code. */
export interface RunnerSource {
  readonly code: string
  readonly setupCode?: string | undefined
}

/**
 * What the runner in the image reads from stdin: one JSON object, the code and any setup
 * code, the execution's secret (see runner-markers.ts), the caps on
 * what it reports back besides the code's own output, and the runtime guard's settings
 * (left out when `allow_dangerous_operations` turns the guard off; see guardSettings).
 */
export function runnerInput(
  source: RunnerSource,
  limits: LimitsConfig,
  secret: string,
  guard: GuardSettings | null = null,
): string {
  return JSON.stringify({
    code: source.code,
    ...(source.setupCode === undefined ? {} : { setupCode: source.setupCode }),
    secret,
    artifacts: { maxFigures: limits.artifacts, maxBytes: limits.artifact_bytes },
    ...(guard === null ? {} : { guard }),
  })
}

/**
 * Room on stderr for the runner's closing report beyond the code's own output cap: the
 * charts as base64, plus the value, table and traceback.
 */
export function reportAllowanceBytes(limits: LimitsConfig): number {
  return Math.ceil((limits.artifact_bytes * 4) / 3) + 512 * 1_024
}
