import { AbortedError, InvalidArgumentError } from '../errors.js'
import type {
  Claim,
  ClaimRequest,
  IdempotencyLease,
  IdempotencyStore,
  StoredAnswer,
} from './idempotency.js'

export interface MemoryIdempotencyStoreOptions {
  /** How long a first answer is kept (`server.idempotency_ttl_seconds`). */
  readonly ttlMs: number
  /** The most answers kept; past it the oldest go first. @default 10_000 */
  readonly maxEntries?: number
  /** The most bytes of answers (their JSON) kept; past it the oldest go first. @default 256 MiB */
  readonly maxBytes?: number
  /** @default Date.now */
  readonly now?: () => number
}

interface Pending {
  readonly state: 'pending'
  readonly digest: string
  /** Resolves when the first request finishes or releases. */
  readonly settled: Promise<void>
  readonly settle: () => void
}

interface Done {
  readonly state: 'done'
  readonly digest: string
  /** The answer's JSON: a repeat parses its own copy. */
  readonly answer: string
  readonly bytes: number
  readonly expiresAt: number
}

/**
 * First answers kept in this process, for one API node. Bounded: answers expire after
 * `ttlMs`, and past `maxEntries` or `maxBytes` the oldest are dropped (a repeat of a dropped
 * key runs again). Keys still running are never dropped; the concurrency quota bounds them.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #ttlMs: number
  readonly #maxEntries: number
  readonly #maxBytes: number
  readonly #now: () => number
  /** In the order answers were finished (a finished entry moves to the end), so the oldest come first. */
  readonly #entries = new Map<string, Pending | Done>()
  #bytes = 0

  constructor(options: MemoryIdempotencyStoreOptions) {
    this.#ttlMs = options.ttlMs
    this.#maxEntries = options.maxEntries ?? 10_000
    this.#maxBytes = options.maxBytes ?? 256 * 1_048_576
    this.#now = options.now ?? Date.now
    for (const [name, value] of Object.entries({
      ttlMs: this.#ttlMs,
      maxEntries: this.#maxEntries,
      maxBytes: this.#maxBytes,
    })) {
      if (!Number.isInteger(value) || value <= 0)
        throw new InvalidArgumentError(
          `Expected \`${name}\` to be a positive integer, got \`${value}\``,
        )
    }
  }

  /** Answers kept and keys running, for tests and gauges. */
  get size(): { readonly entries: number; readonly bytes: number } {
    return { entries: this.#entries.size, bytes: this.#bytes }
  }

  async claim(request: ClaimRequest): Promise<Claim> {
    const id = `${request.client} ${request.key}`
    // Waiting is timed by the monotonic clock; `now` is the clock of expiry only.
    const waitUntil = performance.now() + request.waitMs
    for (;;) {
      if (request.signal?.aborted) throw new AbortedError()
      this.#expire()
      const entry = this.#entries.get(id)
      if (entry === undefined) return { kind: 'lease', lease: this.#lease(id, request.digest) }
      if (entry.digest !== request.digest) return { kind: 'conflict' }
      if (entry.state === 'done')
        return { kind: 'replay', answer: JSON.parse(entry.answer) as StoredAnswer }
      // Settled: answered (the next turn replays) or released (the next turn takes the lease).
      const remaining = waitUntil - performance.now()
      if (
        remaining <= 0 ||
        (await settledWithin(entry.settled, remaining, request.signal)) === 'busy'
      )
        return { kind: 'busy' }
    }
  }

  async close(): Promise<void> {}

  #lease(id: string, digest: string): IdempotencyLease {
    let settle = () => {}
    const settled = new Promise<void>((resolve) => {
      settle = resolve
    })
    const pending: Pending = { state: 'pending', digest, settled, settle }
    this.#entries.set(id, pending)
    return {
      finish: async (answer) => {
        if (this.#entries.get(id) !== pending) return
        this.#entries.delete(id)
        const json = JSON.stringify(answer)
        const bytes = Buffer.byteLength(json)
        const expiresAt = this.#now() + this.#ttlMs
        this.#entries.set(id, { state: 'done', digest, answer: json, bytes, expiresAt })
        this.#bytes += bytes
        this.#evict(id)
        settle()
      },
      release: async () => {
        if (this.#entries.get(id) === pending) this.#entries.delete(id)
        settle()
      },
    }
  }

  #remove(id: string, entry: Done): void {
    this.#entries.delete(id)
    this.#bytes -= entry.bytes
  }

  /** Finished entries are in expiry order (one TTL for all): the first unexpired one ends the sweep. */
  #expire(): void {
    const now = this.#now()
    for (const [id, entry] of this.#entries) {
      if (entry.state === 'pending') continue
      if (entry.expiresAt > now) return
      this.#remove(id, entry)
    }
  }

  /** Drops the oldest answers past the bounds; the newest (`keep`) stays even when it alone is over. */
  #evict(keep: string): void {
    for (const [id, entry] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries && this.#bytes <= this.#maxBytes) return
      if (entry.state === 'done' && id !== keep) this.#remove(id, entry)
    }
  }
}

/** Whether `settled` resolved within `ms`; rejects with `AbortedError` when `signal` aborts first. */
function settledWithin(
  settled: Promise<void>,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<'settled' | 'busy'> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
    const onAbort = (): void => {
      done()
      reject(new AbortedError())
    }
    const timer = setTimeout(() => {
      done()
      resolve('busy')
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
    void settled.then(() => {
      done()
      resolve('settled')
    })
  })
}
