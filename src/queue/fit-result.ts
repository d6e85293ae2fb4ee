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
  // Cut the longer of the two streams first, then check again (escapes vary).
  let { stdout, stderr } = fitted
  for (
    let excess = over;
    excess > 0;
    excess = jsonBytes({ ...fitted, stdout, stderr }) - maxBytes
  ) {
    if (stdout.length >= stderr.length) stdout = cutBytes(stdout, excess)
    else stderr = cutBytes(stderr, excess)
    if (stdout === '' && stderr === '') break
  }
  return { ...fitted, stdout, stderr, truncated: true }
}

/**
 * Takes about `excess` JSON bytes off the end: as many characters as that is at the text's
 * average bytes per character (one character per byte would cut text of escapes or
 * multi-byte characters to a fraction of what fits).
 */
function cutBytes(text: string, excess: number): string {
  const chars = Math.max(1, Math.ceil((excess * text.length) / Math.max(1, jsonBytes(text))))
  return text.slice(0, Math.max(0, text.length - chars))
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8')
}
