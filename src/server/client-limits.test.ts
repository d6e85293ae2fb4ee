import { describe, expect, it } from 'vitest'
import { ClientLimits } from './client-limits.js'
import { HttpError } from './http-errors.js'

async function refusal(limits: ClientLimits, client: string): Promise<HttpError> {
  const error = await limits.acquire(client).then(
    () => undefined,
    (reason: unknown) => reason,
  )
  expect(error).toBeInstanceOf(HttpError)
  return error as HttpError
}

describe('ClientLimits', () => {
  it('refuses past the per-minute rate with Retry-After until a token is earned back', async () => {
    let now = 0
    const limits = new ClientLimits({ perMinute: 2, concurrent: 10, now: () => now })
    ;(await limits.acquire('a'))()
    ;(await limits.acquire('a'))()
    const error = await refusal(limits, 'a')
    expect([error.code, error.status, error.retryAfterSeconds]).toStrictEqual([
      'rate_limited',
      429,
      30,
    ])
    now = 30_000
    await expect(limits.acquire('a')).resolves.toBeTypeOf('function')
  })

  it('keeps separate buckets per client', async () => {
    const limits = new ClientLimits({ perMinute: 1, concurrent: 10, now: () => 0 })
    ;(await limits.acquire('a'))()
    await expect(limits.acquire('b')).resolves.toBeTypeOf('function')
  })

  it('refuses past the concurrency quota until a slot is released, once per release', async () => {
    const limits = new ClientLimits({ perMinute: 100, concurrent: 1, now: () => 0 })
    const release = await limits.acquire('a')
    expect((await refusal(limits, 'a')).code).toBe('quota_exceeded')
    release()
    release()
    const again = await limits.acquire('a')
    expect((await refusal(limits, 'a')).code).toBe('quota_exceeded')
    again()
  })
})
