import { randomUUID } from 'node:crypto'
import type { ExecutionResult, ExecutionStatus } from '../../src/sandbox/execution-result.js'

/** What a load request does; each kind has exactly one correct outcome. */
export type CaseKind = 'ok' | 'ok_files' | 'error' | 'violation' | 'timeout' | 'memory_limit'

/**
 * Shares of the mix. Timeouts and OOMs hold a container for seconds (or fill 256 MB), so they
 * stay a minority: the suite exercises every path without taking ten minutes on two cores.
 */
const SHARES: Readonly<Record<Exclude<CaseKind, 'ok'>, number>> = {
  ok_files: 0.3,
  error: 0.15,
  violation: 0.15,
  timeout: 0.05,
  memory_limit: 0.05,
}

/**
 * The timeout cases lower the wall-clock limit per request, so they end quickly while the
 * configured limit stays roomy for the OOM cases: filling 256 MB until the kill takes 2-3 s
 * on an idle machine (the kernel reclaims before it kills), and over 10 s on a busy one.
 */
const TIMEOUT_SECONDS = 2

const EXPECTED_STATUS: Readonly<Record<CaseKind, ExecutionStatus>> = {
  ok: 'ok',
  ok_files: 'ok',
  error: 'error',
  violation: 'policy_violation',
  timeout: 'timeout',
  memory_limit: 'memory_limit',
}

export interface LoadCase {
  readonly index: number
  readonly kind: CaseKind
  readonly expectedStatus: ExecutionStatus
  /** Unique to this request and echoed back by it, so a result cannot pass for another's. */
  readonly token: string
  readonly body: {
    readonly code: string
    readonly files?: readonly FileBody[]
    readonly timeoutSeconds?: number
  }
  /** What is wrong with `result` for this request; empty when it is exactly right. */
  readonly check: (result: ExecutionResult) => string[]
}

interface FileBody {
  readonly name: string
  readonly content: string
}

/** `total` requests in a fixed mix, shuffled by `seed` so every run sends the same order. */
export function buildCases(total: number, seed: number): LoadCase[] {
  const kinds: CaseKind[] = []
  for (const [kind, share] of Object.entries(SHARES) as [CaseKind, number][]) {
    for (let i = 0; i < Math.round(total * share); i++) kinds.push(kind)
  }
  while (kinds.length < total) kinds.push('ok')
  shuffle(kinds, mulberry32(seed))
  const run = randomUUID().replaceAll('-', '').slice(0, 8)
  return kinds.map((kind, index) => makeCase(kind, index, `t${run}_${index}`))
}

function makeCase(kind: CaseKind, index: number, token: string): LoadCase {
  const base = { index, kind, expectedStatus: EXPECTED_STATUS[kind], token }
  const expect = (result: ExecutionResult, fields: Partial<ExecutionResult>): string[] =>
    mismatches(result, { status: base.expectedStatus, ...fields })
  switch (kind) {
    case 'ok': {
      const n = 1_000 + index
      return {
        ...base,
        body: { code: `print(sum(range(${n})), "${token}")` },
        check: (r) => expect(r, { exitCode: 0, stdout: `${(n * (n - 1)) / 2} ${token}\n` }),
      }
    }
    case 'ok_files': {
      const out = [...token].reverse().join('')
      const code = [
        'data = open("in.txt").read()',
        'open("out.txt", "w").write(data[::-1])',
        'print(data)',
      ].join('\n')
      return {
        ...base,
        body: { code, files: [{ name: 'in.txt', content: token }] },
        check: (r) => [
          ...expect(r, { exitCode: 0, stdout: `${token}\n` }),
          ...mismatches(r, {
            files: [
              {
                name: 'out.txt',
                size: out.length,
                contentBase64: Buffer.from(out).toString('base64'),
                truncated: false,
              },
            ],
          }),
        ],
      }
    }
    case 'error':
      return {
        ...base,
        body: { code: `raise ValueError("${token}")` },
        check: (r) => [
          ...expect(r, { stdout: '' }),
          ...mismatches(r, { error: { name: 'ValueError', value: token } }, true),
        ],
      }
    case 'violation': {
      // The static policy refuses `socket` before any container exists.
      const text = `socket as s_${token}`
      return {
        ...base,
        body: { code: `import ${text}` },
        check: (r) => [
          ...expect(r, { exitCode: null, stdout: '', runtime: null }),
          ...mismatches(r, { violations: [{ rule: 'import-not-allowed', text }] }, true),
        ],
      }
    }
    case 'timeout':
      return {
        ...base,
        body: {
          code: `import time\nprint("${token}", flush=True)\ntime.sleep(30)`,
          timeoutSeconds: TIMEOUT_SECONDS,
        },
        check: (r) => expect(r, { stdout: `${token}\n` }),
      }
    case 'memory_limit':
      return {
        ...base,
        body: { code: `print("${token}", flush=True)\nbytearray(10**10)` },
        check: (r) => expect(r, { stdout: `${token}\n` }),
      }
  }
}

/**
 * Each expected field compared by value; `partial` compares only the keys given of nested
 * objects (an `error`'s traceback or a violation's hint are not the load suite's to pin).
 */
function mismatches(actual: ExecutionResult, expected: object, partial = false): string[] {
  const problems: string[] = []
  for (const [key, want] of Object.entries(expected)) {
    const got: unknown = (actual as unknown as Record<string, unknown>)[key]
    if (!matches(got, want, partial))
      problems.push(`${key}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`)
  }
  return problems
}

function matches(got: unknown, want: unknown, partial: boolean): boolean {
  if (Array.isArray(want)) {
    return (
      Array.isArray(got) &&
      got.length === want.length &&
      want.every((w, i) => matches(got[i], w, partial))
    )
  }
  if (want !== null && typeof want === 'object') {
    if (got === null || typeof got !== 'object') return false
    const wantKeys = Object.keys(want)
    if (!partial && Object.keys(got).length !== wantKeys.length) return false
    return wantKeys.every((k) =>
      matches((got as Record<string, unknown>)[k], (want as Record<string, unknown>)[k], partial),
    )
  }
  return got === want
}

/** A small seeded PRNG (mulberry32): the same seed gives the same order on every machine. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const a = items[i] as T
    items[i] = items[j] as T
    items[j] = a
  }
}
