/**
 * What the workloads drive: our Sandbox, or another tree's (the fixed pool the bench compares
 * against), so only the shape both share.
 */
export interface Target {
  execute(request: { code: string }): Promise<{ status: string }>
  readonly warm: number
  readonly config: { readonly pool: { readonly size: number } }
}

/** What agents send: a bare call, and one that needs pandas (the import a pool can preload). */
export const SNIPPETS = {
  'print(1)': 'print(1)',
  pandas: 'import pandas as pd\nprint(int(pd.DataFrame({"a": range(100)}).a.sum()))',
} as const

export type Kind = keyof typeof SNIPPETS

export interface Call {
  readonly kind: Kind
  /** Request to result. */
  readonly ms: number
}

/** mulberry32: the same seed gives every pool the same workload. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

async function call(sandbox: Target, kind: Kind, calls: Call[]): Promise<void> {
  const started = performance.now()
  const result = await sandbox.execute({ code: SNIPPETS[kind] })
  if (result.status !== 'ok') throw new Error(`${kind} came back ${result.status}`)
  calls.push({ kind, ms: performance.now() - started })
}

/**
 * Agents working at once, each in turns: a burst of 1–4 parallel tool calls (each print(1)
 * or pandas, even odds), then thinking for 0.5–3 s, until `seconds` have passed.
 */
export async function agents(
  sandbox: Target,
  count: number,
  seconds: number,
  seed = 1,
): Promise<Call[]> {
  const calls: Call[] = []
  const deadline = performance.now() + seconds * 1_000
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const random = seeded(seed * 1_000 + i)
      while (performance.now() < deadline) {
        const burst = 1 + Math.floor(random() * 4)
        const kinds = Array.from(
          { length: burst },
          (): Kind => (random() < 0.5 ? 'print(1)' : 'pandas'),
        )
        await Promise.all(kinds.map((kind) => call(sandbox, kind, calls)))
        await sleep(500 + random() * 2_500)
      }
    }),
  )
  return calls
}

/**
 * One agent that sends four calls at once, then works at its usual pace: a pandas call a
 * second (start to start, the first a second after the burst), `paced` of them; `cycles`
 * times, 5 s apart. Only the paced calls are returned: those a slow window after a burst hits.
 */
export async function burstThenPace(
  sandbox: Target,
  cycles: number,
  paced: number,
): Promise<Call[]> {
  const calls: Call[] = []
  for (let cycle = 0; cycle < cycles; cycle++) {
    const burst: Call[] = []
    await Promise.all(
      (['print(1)', 'pandas', 'print(1)', 'pandas'] as const).map((kind) =>
        call(sandbox, kind, burst),
      ),
    )
    let next = performance.now() + 1_000
    for (let i = 0; i < paced; i++, next += 1_000) {
      await sleep(next - performance.now())
      await call(sandbox, 'pandas', calls)
    }
    await sleep(5_000)
  }
  return calls
}

/**
 * The floor the workloads are measured against: one call at a time, each after the pool has
 * been full for a second, alternating print(1) and pandas, `runs` of each.
 */
export async function isolated(sandbox: Target, runs: number): Promise<Call[]> {
  const calls: Call[] = []
  for (let i = 0; i < 2 * runs; i++) {
    while (sandbox.warm < sandbox.config.pool.size) await sleep(10)
    await sleep(1_000)
    await call(sandbox, i % 2 === 0 ? 'print(1)' : 'pandas', calls)
  }
  return calls
}
