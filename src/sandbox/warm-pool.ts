import type { StartedContainer } from '../engine/container-engine.js'
import type { Logger } from '../logger.js'
import type { Workspace } from '../workspace/workspace.js'

/** A started container waiting for code, with its own workspace when file operations are on. */
export interface WarmEntry {
  /** The id its container and workspace were made under. */
  readonly executionId: string
  readonly container: StartedContainer
  readonly workspace: Workspace | undefined
  readonly createdAt: number
  /** Whether its runner imported `pool.preload` before waiting. */
  readonly preloaded: boolean
}

export interface WarmPoolOptions {
  /** Entries kept ready. */
  readonly size: number
  /** An entry unused this long is replaced. */
  readonly idleMs: number
  /** `preload: false` asks for a container whose runner waits without importing anything. */
  readonly create: (options: { preload: boolean }) => Promise<WarmEntry>
  /** Removes a used, idle or dead entry: its container, then its workspace. */
  readonly remove: (entry: WarmEntry) => Promise<void>
  /**
   * After a `take()` finds nothing ready, refills for this long start without preloading:
   * executions are outrunning the pool, so a container would not wait long enough for its
   * imports to pay off, and their CPU is better spent on the executions. @default 10_000
   */
  readonly pressureMs?: number
  readonly logger: Logger
  /** @default performance.now */
  readonly now?: () => number
}

const MAX_BACKOFF_MS = 30_000
const PRESSURE_MS = 10_000

/**
 * Keeps `size` fresh containers started ahead of need. `take()` never waits: with nothing
 * ready it returns undefined and the caller runs cold. Every entry is used once; used, idle
 * and dead entries are removed in the background and replaced, with backoff while the
 * engine is failing.
 */
export class WarmPool {
  readonly #options: WarmPoolOptions
  readonly #now: () => number
  readonly #ready: WarmEntry[] = []
  readonly #creating = new Set<Promise<void>>()
  readonly #disposing = new Set<Promise<void>>()
  readonly #idleTimer: NodeJS.Timeout
  #failures = 0
  /** When a `take()` last found nothing ready. */
  #missedAt = Number.NEGATIVE_INFINITY
  #retryTimer: NodeJS.Timeout | undefined
  #closed = false

  constructor(options: WarmPoolOptions) {
    this.#options = options
    this.#now = options.now ?? (() => performance.now())
    this.#idleTimer = setInterval(
      () => this.#recycleIdle(),
      Math.min(options.idleMs, 10_000),
    ).unref()
    this.#refill()
  }

  /** Entries ready now. */
  get ready(): number {
    return this.#ready.length
  }

  /** A ready, living, fresh entry, or undefined (then run cold). The caller must `release` it. */
  take(): WarmEntry | undefined {
    const now = this.#now()
    let entry = this.#ready.shift()
    // A stale entry is close to its in-container idle deadline: never hand it out.
    while (
      entry !== undefined &&
      (!entry.container.alive || now - entry.createdAt > this.#options.idleMs)
    ) {
      this.#dispose(entry)
      entry = this.#ready.shift()
    }
    if (entry === undefined) this.#missedAt = this.#now()
    this.#refill()
    return entry
  }

  /** Removes a used entry in the background; an entry is never handed out twice. */
  release(entry: WarmEntry): void {
    this.#dispose(entry)
  }

  /** Resolves when every entry this pool made is gone. */
  async close(): Promise<void> {
    this.#closed = true
    clearInterval(this.#idleTimer)
    clearTimeout(this.#retryTimer)
    await Promise.allSettled([...this.#creating])
    for (const entry of this.#ready.splice(0)) this.#dispose(entry)
    await Promise.allSettled([...this.#disposing])
  }

  #refill(): void {
    if (this.#closed || this.#retryTimer !== undefined) return
    const preload = this.#now() - this.#missedAt >= (this.#options.pressureMs ?? PRESSURE_MS)
    while (this.#ready.length + this.#creating.size < this.#options.size) {
      const creation = this.#options
        .create({ preload })
        .then((entry) => {
          this.#failures = 0
          if (this.#closed) this.#dispose(entry)
          else this.#ready.push(entry)
        })
        .catch((error: unknown) => this.#backOff(error))
        .finally(() => this.#creating.delete(creation))
      this.#creating.add(creation)
    }
  }

  #backOff(error: unknown): void {
    this.#failures++
    const wait = Math.min(MAX_BACKOFF_MS, 250 * 2 ** (this.#failures - 1))
    this.#options.logger.warn('warm pool could not start a container', {
      error: String(error),
      retryInMs: wait,
    })
    clearTimeout(this.#retryTimer)
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined
      this.#refill()
    }, wait).unref()
  }

  #recycleIdle(): void {
    const now = this.#now()
    const stale = this.#ready.filter(
      (e) => !e.container.alive || now - e.createdAt > this.#options.idleMs,
    )
    if (stale.length === 0) return
    for (const entry of stale) {
      this.#ready.splice(this.#ready.indexOf(entry), 1)
      this.#dispose(entry)
    }
    this.#refill()
  }

  /** The container first; its workspace only once the engine says the container is gone. */
  #dispose(entry: WarmEntry): void {
    const disposal = this.#options
      .remove(entry)
      .catch((error: unknown) => {
        this.#options.logger.warn('could not remove a warm container', { error: String(error) })
      })
      .finally(() => this.#disposing.delete(disposal))
    this.#disposing.add(disposal)
  }
}
