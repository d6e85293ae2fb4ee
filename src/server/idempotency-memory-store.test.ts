import { describe, expect, it } from 'vitest'
import { AbortedError } from '../errors.js'
import type { ExecutionResult } from '../sandbox/execution-result.js'
import type { Claim, ClaimRequest, IdempotencyLease, StoredAnswer } from './idempotency.js'
import { MemoryIdempotencyStore } from './idempotency-memory-store.js'

const TTL_MS = 600_000

/** A store on a clock the test moves. */
function storeAt(options: { maxEntries?: number; maxBytes?: number } = {}) {
  const clock = { now: 0 }
  const store = new MemoryIdempotencyStore({ ttlMs: TTL_MS, now: () => clock.now, ...options })
  return { store, clock }
}

function request(overrides: Partial<ClaimRequest> = {}): ClaimRequest {
  return { client: 'key:0a0b0c0d', key: 'k-1', digest: 'body-1', waitMs: 5_000, ...overrides }
}

function answer(stdout: string): StoredAnswer {
  return { result: { id: `id-${stdout}`, status: 'ok', stdout } as unknown as ExecutionResult }
}

function leaseOf(claim: Claim): IdempotencyLease {
  if (claim.kind !== 'lease') throw new Error(`expected a lease, got ${claim.kind}`)
  return claim.lease
}

describe('MemoryIdempotencyStore', () => {
  it('gives the first request the lease and a repeat the first answer, as a copy', async () => {
    const { store } = storeAt()
    await leaseOf(await store.claim(request())).finish(answer('42\n'))
    const first = await store.claim(request())
    const second = await store.claim(request())
    expect(first).toStrictEqual({ kind: 'replay', answer: answer('42\n') })
    expect(second).toStrictEqual(first)
    expect((first as { answer: unknown }).answer).not.toBe((second as { answer: unknown }).answer)
  })

  it('answers a repeat with another body as a conflict, while running and once answered', async () => {
    const { store } = storeAt()
    const lease = leaseOf(await store.claim(request()))
    expect(await store.claim(request({ digest: 'body-2' }))).toStrictEqual({ kind: 'conflict' })
    await lease.finish(answer('1\n'))
    expect(await store.claim(request({ digest: 'body-2' }))).toStrictEqual({ kind: 'conflict' })
  })

  it('makes a repeat wait for the running first request and answers it with its answer', async () => {
    const { store } = storeAt()
    const lease = leaseOf(await store.claim(request()))
    const repeat = store.claim(request())
    await lease.finish(answer('done\n'))
    expect(await repeat).toStrictEqual({ kind: 'replay', answer: answer('done\n') })
  })

  it('gives a waiting repeat the lease when the first gives the key back unanswered', async () => {
    const { store } = storeAt()
    const lease = leaseOf(await store.claim(request()))
    const repeat = store.claim(request())
    await lease.release()
    const next = leaseOf(await repeat)
    await next.finish(answer('second\n'))
    expect(await store.claim(request())).toStrictEqual({
      kind: 'replay',
      answer: answer('second\n'),
    })
  })

  it('answers busy when the first request still runs after waitMs', async () => {
    const { store } = storeAt()
    leaseOf(await store.claim(request()))
    expect(await store.claim(request({ waitMs: 20 }))).toStrictEqual({ kind: 'busy' })
  })

  it('stops waiting with AbortedError when the repeat’s client hangs up', async () => {
    const { store } = storeAt()
    leaseOf(await store.claim(request()))
    const hangUp = new AbortController()
    const repeat = store.claim(request({ signal: hangUp.signal }))
    hangUp.abort()
    await expect(repeat).rejects.toBeInstanceOf(AbortedError)
  })

  it('forgets an answer once ttlMs has passed, and the next request runs', async () => {
    const { store, clock } = storeAt()
    await leaseOf(await store.claim(request())).finish(answer('1\n'))
    clock.now = TTL_MS - 1
    expect((await store.claim(request())).kind).toBe('replay')
    clock.now = TTL_MS
    expect((await store.claim(request({ digest: 'body-2' }))).kind).toBe('lease')
  })

  it('scopes keys to their client', async () => {
    const { store } = storeAt()
    await leaseOf(await store.claim(request())).finish(answer('1\n'))
    expect((await store.claim(request({ client: 'anonymous' }))).kind).toBe('lease')
  })

  it('drops the oldest answers past maxEntries, never a key still running', async () => {
    const { store } = storeAt({ maxEntries: 2 })
    const running = leaseOf(await store.claim(request({ key: 'running' })))
    for (const key of ['a', 'b', 'c'])
      await leaseOf(await store.claim(request({ key }))).finish(answer(key))
    expect(store.size.entries).toBe(2)
    expect(await store.claim(request({ key: 'running', waitMs: 1 }))).toStrictEqual({
      kind: 'busy',
    })
    expect((await store.claim(request({ key: 'c' }))).kind).toBe('replay')
    expect((await store.claim(request({ key: 'b', digest: 'other' }))).kind).toBe('lease')
    await running.release()
  })

  it('drops the oldest answers past maxBytes, keeping the newest even when it alone is over', async () => {
    const size = Buffer.byteLength(JSON.stringify(answer('x'.repeat(100))))
    const { store } = storeAt({ maxBytes: 2 * size })
    for (const key of ['a', 'b', 'c'])
      await leaseOf(await store.claim(request({ key }))).finish(answer('x'.repeat(100)))
    expect(store.size).toStrictEqual({ entries: 2, bytes: 2 * size })
    await leaseOf(await store.claim(request({ key: 'a', digest: 'other' }))).release()

    await leaseOf(await store.claim(request({ key: 'big' }))).finish(answer('y'.repeat(10 * size)))
    expect((await store.claim(request({ key: 'big' }))).kind).toBe('replay')
    expect(store.size.entries).toBe(1)
  })

  it('keeps the first of two calls to finish, and ignores a release after it', async () => {
    const { store } = storeAt()
    const lease = leaseOf(await store.claim(request()))
    await lease.finish(answer('first\n'))
    await lease.finish(answer('second\n'))
    await lease.release()
    expect(await store.claim(request())).toStrictEqual({
      kind: 'replay',
      answer: answer('first\n'),
    })
  })
})
