import type { ExecutionResult } from '../sandbox/execution-result.js'

/**
 * A result small enough to send through Redis (`queue.max_result_bytes` of JSON): returned
 * files go first, then charts, then the last expression's value, each marked as left out.
 * stdout and stderr are already capped at `limits.output_bytes`; if they alone are too big,
 * they are cut too (`truncated`).
 */
export function fitResult(result: ExecutionResult, maxBytes: number): ExecutionResult {
  let fitted = result
  const steps: ((r: ExecutionResult) => ExecutionResult)[] = [
    (r) => ({ ...r, files: [], filesTruncated: r.filesTruncated || r.files.length > 0 }),
    (r) => ({
      ...r,
      artifacts: [],
      artifactsTruncated: r.artifactsTruncated || r.artifacts.length > 0,
    }),
    (r) => ({ ...r, result: null }),
  ]
  for (const step of steps) {
    if (jsonBytes(fitted) <= maxBytes) return fitted
    fitted = step(fitted)
  }
  const over = jsonBytes(fitted) - maxBytes
  if (over <= 0) return fitted
  // Cut the longer of the two streams first; characters, then check again (escapes vary).
  let { stdout, stderr } = fitted
  for (
    let excess = over;
    excess > 0;
    excess = jsonBytes({ ...fitted, stdout, stderr }) - maxBytes
  ) {
    if (stdout.length >= stderr.length)
      stdout = stdout.slice(0, Math.max(0, stdout.length - excess))
    else stderr = stderr.slice(0, Math.max(0, stderr.length - excess))
    if (stdout === '' && stderr === '') break
  }
  return { ...fitted, stdout, stderr, truncated: true }
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8')
}
