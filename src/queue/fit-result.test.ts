import { describe, expect, it } from 'vitest'
import { configSchema } from '../config/schema.js'
import type { ExecutionResult } from '../sandbox/execution-result.js'
import { buildReceipt } from '../sandbox/receipt.js'
import { fitResult } from './fit-result.js'

const settings = configSchema.parse({}).code_execution

/** A result with `kb` KiB in each part that can be left out or cut. */
function bigResult(kb: { files?: number; artifacts?: number; value?: number; out?: number }) {
  const bytes = (n = 0) => 'x'.repeat(n * 1_024)
  const result: ExecutionResult = {
    id: '00000000-0000-4000-8000-000000000000',
    status: 'ok',
    exitCode: 0,
    stdout: bytes(kb.out),
    stderr: bytes(kb.out === undefined ? 0 : Math.floor(kb.out / 2)),
    truncated: false,
    durationMs: 12,
    violations: [],
    error: null,
    message: null,
    files: [{ name: 'a.csv', size: 1, contentBase64: bytes(kb.files), truncated: false }],
    filesTruncated: false,
    runtime: 'runc',
    result: { repr: bytes(kb.value), type: 'str', reprTruncated: false },
    artifacts: [
      { type: 'image/png', name: 'figure-1.png', width: 1, height: 1, base64: bytes(kb.artifacts) },
    ],
    artifactsTruncated: false,
    node: 'worker-1',
    receipt: buildReceipt({
      code: 'print(1)',
      settings,
      imageId: 'sha256:abc',
      runtime: 'runc',
      timeoutSeconds: 10,
      limits: settings.limits,
    }),
  }
  return result
}

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8')

describe('fitResult', () => {
  it('returns a result that already fits unchanged', () => {
    const result = bigResult({ files: 1, artifacts: 1, value: 1, out: 1 })
    expect(fitResult(result, 64 * 1_024)).toBe(result)
  })

  it('leaves out the returned files first, and says so', () => {
    const result = bigResult({ files: 100, artifacts: 10, value: 10, out: 10 })
    const fitted = fitResult(result, 60 * 1_024)
    expect(fitted.files).toEqual([])
    expect(fitted.filesTruncated).toBe(true)
    expect(fitted.artifacts).toEqual(result.artifacts)
    expect(fitted.artifactsTruncated).toBe(false)
    expect(fitted.result).toEqual(result.result)
    expect([fitted.stdout, fitted.stderr, fitted.truncated]).toEqual([
      result.stdout,
      result.stderr,
      false,
    ])
    expect(jsonBytes(fitted)).toBeLessThanOrEqual(60 * 1_024)
  })

  it('then the charts', () => {
    const result = bigResult({ files: 100, artifacts: 100, value: 10, out: 10 })
    const fitted = fitResult(result, 60 * 1_024)
    expect([fitted.files, fitted.filesTruncated]).toEqual([[], true])
    expect([fitted.artifacts, fitted.artifactsTruncated]).toEqual([[], true])
    expect(fitted.result).toEqual(result.result)
    expect([fitted.stdout, fitted.truncated]).toEqual([result.stdout, false])
    expect(jsonBytes(fitted)).toBeLessThanOrEqual(60 * 1_024)
  })

  it("then the last expression's value", () => {
    const result = bigResult({ files: 100, artifacts: 100, value: 100, out: 10 })
    const fitted = fitResult(result, 60 * 1_024)
    expect([fitted.filesTruncated, fitted.artifactsTruncated, fitted.result]).toEqual([
      true,
      true,
      null,
    ])
    expect([fitted.stdout, fitted.stderr, fitted.truncated]).toEqual([
      result.stdout,
      result.stderr,
      false,
    ])
    expect(jsonBytes(fitted)).toBeLessThanOrEqual(60 * 1_024)
  })

  it('cuts stdout and stderr last, marking the result truncated', () => {
    const result = bigResult({ files: 100, artifacts: 100, value: 100, out: 200 })
    const fitted = fitResult(result, 64 * 1_024)
    expect([fitted.filesTruncated, fitted.artifactsTruncated, fitted.result]).toEqual([
      true,
      true,
      null,
    ])
    expect(fitted.truncated).toBe(true)
    expect(result.stdout.startsWith(fitted.stdout)).toBe(true)
    expect(result.stderr.startsWith(fitted.stderr)).toBe(true)
    expect(fitted.stdout.length).toBeLessThan(result.stdout.length)
    expect(jsonBytes(fitted)).toBeLessThanOrEqual(64 * 1_024)
  })

  it('counts JSON bytes, not characters: escapes and multi-byte text still fit', () => {
    const result = {
      ...bigResult({}),
      stdout: '\n"é€😀\u0001'.repeat(20_000),
      stderr: '\\\t'.repeat(1_000),
    }
    const fitted = fitResult(result, 65_536)
    expect(fitted.truncated).toBe(true)
    expect(jsonBytes(fitted)).toBeLessThanOrEqual(65_536)
    expect(result.stdout.startsWith(fitted.stdout)).toBe(true)
    expect(result.stderr.startsWith(fitted.stderr)).toBe(true)
    // Cut to what fits, not to a fraction of it.
    expect(jsonBytes(fitted)).toBeGreaterThan(60_000)
    expect(fitted.stderr).toBe(result.stderr)
  })
})
