import type { LimitsConfig } from '../config/schema.js'

/**
 * What the runner in the image reads from stdin: one JSON object, the code and the caps on
 * what it reports back besides the code's own output.
 */
export function runnerInput(code: string, limits: LimitsConfig): string {
  return JSON.stringify({
    code,
    artifacts: { maxFigures: limits.artifacts, maxBytes: limits.artifact_bytes },
  })
}

/**
 * Room on stderr for the runner's closing report beyond the code's own output cap: the
 * charts as base64, plus the value, table and traceback.
 */
export function reportAllowanceBytes(limits: LimitsConfig): number {
  return Math.ceil((limits.artifact_bytes * 4) / 3) + 512 * 1_024
}
