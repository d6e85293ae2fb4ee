import type { ExecutionResult } from '../../src/sandbox/execution-result.js'
import type { LoadCase } from './load-cases.js'

/** Only a hang guard: the slowest correct request (a 2 s timeout behind a queue) is far below it. */
const REQUEST_GUARD_MS = 120_000

export interface Outcome {
  readonly loadCase: LoadCase
  /** From sending the request to having parsed the whole answer. */
  readonly latencyMs: number
  /** The HTTP status, or null when no answer came (connection error, hang guard). */
  readonly httpStatus: number | null
  readonly result: ExecutionResult | null
  /** Why this request did not get its one correct result; empty when it did. */
  readonly problems: readonly string[]
}

/**
 * Sends every case to POST /v1/executions from `concurrency` clients that each take the next
 * case as soon as their previous answer is in. Never throws: every failure is an outcome.
 */
export async function runLoad(
  url: string,
  cases: readonly LoadCase[],
  concurrency: number,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = []
  let next = 0
  const client = async (): Promise<void> => {
    for (let i = next++; i < cases.length; i = next++) {
      outcomes.push(await send(url, cases[i] as LoadCase))
    }
  }
  await Promise.all(Array.from({ length: concurrency }, client))
  return outcomes.sort((a, b) => a.loadCase.index - b.loadCase.index)
}

async function send(url: string, loadCase: LoadCase): Promise<Outcome> {
  const startedAt = performance.now()
  const done = (
    httpStatus: number | null,
    result: ExecutionResult | null,
    problems: readonly string[],
  ): Outcome => ({
    loadCase,
    latencyMs: performance.now() - startedAt,
    httpStatus,
    result,
    problems,
  })
  let response: Response
  try {
    response = await fetch(`${url}/v1/executions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(loadCase.body),
      signal: AbortSignal.timeout(REQUEST_GUARD_MS),
    })
  } catch (error) {
    return done(null, null, [`no answer: ${String(error)}`])
  }
  const text = await response.text().catch((error: unknown) => `(body unreadable: ${error})`)
  if (response.status !== 200)
    return done(response.status, null, [`HTTP ${response.status}: ${text}`])
  let result: ExecutionResult
  try {
    result = JSON.parse(text) as ExecutionResult
  } catch {
    return done(200, null, [`not JSON: ${text.slice(0, 200)}`])
  }
  return done(200, result, loadCase.check(result))
}
