/**
 * What the runner in the image reads from stdin: one JSON object. Keeping the code in JSON
 * (not raw) leaves room for the settings the runner needs besides it.
 */
export function runnerInput(code: string): string {
  return JSON.stringify({ code })
}
