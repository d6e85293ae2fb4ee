import type { StartedContainer } from '../engine/container-engine.js'
import type { Logger } from '../logger.js'
import type { Workspace } from '../workspace/workspace.js'
import { BusyShare } from './busy-share.js'
import { DemandEstimator } from './demand-estimator.js'
import { preloadedCount } from './preloaded-count.js'
import {
  chooseRefill,
  MAX_BUSY_SHARE,
  type RefillSituation,
  shouldUpgrade,
} from './refill-choice.js'
import { RefillCosts } from './refill-costs.js'
import { chooseTake } from './take-choice.js'
import { type SizeBounds, targetSize } from './target-size.js'

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

/** What the caller knows of the code that will run, so the right entry goes to it. */
export interface TakeHint {
  /**
   * Whether the code imports what preloaded entries have imported: it gets one of those
   * first, and other code a plain one first, so preloaded entries go where they save time.
   */
  readonly wantsPreloaded?: boolean
}

/** What `/metrics` shows of the pool. */
export interface PoolGauges {
  /** Entries ready now. */
  readonly ready: number
  /** Entries the pool keeps ready or starting now, between its floor and its ceiling. */
  readonly targetSize: number
  /** Takes so far, by what they got: a preloaded entry, a plain one, or none (run cold). */
  readonly takes: { readonly preloaded: number; readonly plain: number; readonly none: number }
  /** Of those takes, how many waited for an entry being made rather than finding one ready. */
  readonly waits: number
}

/** An entry being made; `claimant`, when set, is a take waiting for it. */
interface Creation {
  readonly preload: boolean
  readonly startedAt: number
  claimant: ((entry: WarmEntry | undefined) => void) | undefined
}

export interface WarmPoolOptions {
  /** Entries kept ready however quiet it is: the floor. */
  readonly size: number
  /** Entries the pool may grow to when takes come faster or in bursts. @default size */
  readonly maxSize?: number
  /** An entry unused this long is replaced. */
  readonly idleMs: number
  /** `preload: false` asks for a container whose runner waits without importing anything. */
  readonly create: (options: { preload: boolean }) => Promise<WarmEntry>
  /** Removes a used, idle or dead entry: its container, then its workspace. */
  readonly remove: (entry: WarmEntry) => Promise<void>
  /** False when there is nothing to preload: every refill is plain and made at once. @default true */
  readonly preloading?: boolean
  /**
   * Whether executions need the CPU now (some wait for a slot, or every slot is running):
   * then refills do not preload. `waiting` of the running executions are only waiting for an
   * entry being made (see `acquire`) and use no CPU. @default () => false
   */
  readonly busy?: (waiting: number) => boolean
  /** How often the pool looks again: deferred refills, shrinking, idle entries. @default 250 */
  readonly adjustEveryMs?: number
  readonly logger: Logger
  /** @default performance.now */
  readonly now?: () => number
}

const MAX_BACKOFF_MS = 30_000
/**
 * Preloading is wanted while at least this share of recent takes came with code that imports
 * a preloaded module (a moving share: one such take keeps it wanted for the next seven or so).
 */
const MIN_PRELOADED_SHARE = 0.05

/**
 * Keeps fresh containers started ahead of need, between `size` and `maxSize` of them as the
 * takes it sees call for (see target-size.ts), preloaded when they will probably wait long
 * enough for it to pay (see refill-choice.ts). `take()` never waits: with nothing ready it
 * returns undefined and the caller runs cold. Every entry is used once; used, idle and dead
 * entries are removed in the background and replaced, with backoff while the engine is failing.
 */
export class WarmPool {
  readonly #options: WarmPoolOptions
  readonly #now: () => number
  readonly #bounds: SizeBounds
  readonly #demand = new DemandEstimator()
  readonly #costs = new RefillCosts()
  readonly #busyShare = new BusyShare()
  readonly #ready: WarmEntry[] = []
  readonly #creating = new Map<Promise<void>, Creation>()
  /** Plain entries a preloaded one is being made to replace. */
  readonly #replacing = new Set<WarmEntry>()
  readonly #disposing = new Set<Promise<void>>()
  readonly #takes = { preloaded: 0, plain: 0, none: 0 }
  #waits = 0
  readonly #timer: NodeJS.Timeout
  /** When refills were first put off for the rush now on; undefined when none are. */
  #deferredAt: number | undefined
  #failures = 0
  #retryTimer: NodeJS.Timeout | undefined
  #closed = false

  constructor(options: WarmPoolOptions) {
    this.#options = options
    this.#now = options.now ?? (() => performance.now())
    this.#bounds = { min: options.size, max: Math.max(options.size, options.maxSize ?? 0) }
    this.#timer = setInterval(
      () => this.#adjust(),
      Math.min(options.idleMs, options.adjustEveryMs ?? 250),
    ).unref()
    this.#refill()
  }

  /** Entries ready now. */
  get ready(): number {
    return this.#ready.length
  }

  gauges(): PoolGauges {
    return {
      ready: this.#ready.length,
      targetSize: this.#target(this.#now()),
      takes: { ...this.#takes },
      waits: this.#waits,
    }
  }

  /**
   * A ready, living, fresh entry, or undefined (then run cold); never waits. The caller must
   * `release` it.
   */
  take(hint: TakeHint = {}): WarmEntry | undefined {
    this.#record(hint)
    return this.#counted(hint, this.#takeReady(hint), false)
  }

  /**
   * Like `take`, but when an entry being made should land sooner than the other ways to a
   * container (see take-choice.ts), and executions have left the CPU room lately, waits for
   * it, at most twice as long as the best other way would take; then, or when `signal`
   * aborts, it takes what is ready or returns undefined.
   */
  async acquire(hint: TakeHint = {}, signal?: AbortSignal): Promise<WarmEntry | undefined> {
    const now = this.#record(hint)
    // Under sustained load a cold start beside the refills is one more container start in
    // parallel, and that is what throughput is made of: waiting is for a CPU with room.
    const room = this.#busyShare.value < MAX_BUSY_SHARE
    const inFlight = room
      ? [...this.#creating.values()].filter((c) => c.claimant === undefined)
      : []
    const { plainMs, importMs } = this.#costs.estimate()
    const choice = chooseTake({
      wantsPreloaded: hint.wantsPreloaded,
      readyPreloaded: this.#ready.some((e) => e.preloaded),
      readyPlain: this.#ready.some((e) => !e.preloaded),
      inFlight: inFlight.map((c) => ({
        preloaded: c.preload,
        remainingMs: Math.max(0, plainMs + (c.preload ? importMs : 0) - (now - c.startedAt)),
      })),
      plainMs,
      importMs,
    })
    const creation = choice.kind === 'wait' ? inFlight[choice.index] : undefined
    if (choice.kind !== 'wait' || creation === undefined)
      return this.#counted(hint, this.#takeReady(hint), false)
    const claimed = await this.#claim(creation, choice.maxWaitMs, signal)
    if (claimed !== undefined) return this.#counted(hint, claimed, true)
    return this.#counted(hint, signal?.aborted ? undefined : this.#takeReady(hint), false)
  }

  /** Removes a used entry in the background; an entry is never handed out twice. */
  release(entry: WarmEntry): void {
    this.#dispose(entry)
  }

  /**
   * An execution has ended: refills put off while it ran can start now rather than on the
   * next tick, so a burst's replacements are ready sooner for the next one.
   */
  nudge(): void {
    if (this.#closed) return
    const now = this.#now()
    this.#refill()
    this.#upgrade(now)
  }

  /** Resolves when every entry this pool made is gone. */
  async close(): Promise<void> {
    this.#closed = true
    clearInterval(this.#timer)
    clearTimeout(this.#retryTimer)
    // Ready entries go at once, beside the creations still running (each of those is
    // disposed as it lands): a host that gives a closing process a few seconds (an MCP
    // client) must not find containers left.
    for (const entry of this.#ready.splice(0)) this.#dispose(entry)
    await Promise.allSettled([...this.#creating.keys()])
    await Promise.allSettled([...this.#disposing])
  }

  /** The take counts toward demand; entries that can no longer be handed out go first. */
  #record(hint: TakeHint): number {
    const now = this.#now()
    this.#demand.record(now, this.#costs.estimate().refillMs, hint.wantsPreloaded)
    this.#dropUnusable(now)
    return now
  }

  #takeReady(hint: TakeHint): WarmEntry | undefined {
    const index = this.#pick(hint)
    const [entry] = index === -1 ? [] : this.#ready.splice(index, 1)
    if (entry !== undefined) this.#replacing.delete(entry)
    return entry
  }

  /** Counts what a take got, and refills: a claimed creation no longer counts as the pool's. */
  #counted(hint: TakeHint, entry: WarmEntry | undefined, waited: boolean): WarmEntry | undefined {
    const found = entry === undefined ? 'none' : entry.preloaded ? 'preloaded' : 'plain'
    this.#takes[found]++
    if (waited) this.#waits++
    this.#options.logger.debug('warm pool take', {
      found,
      waited,
      wantsPreloaded: hint.wantsPreloaded,
      ready: this.#ready.length,
      creating: this.#creating.size,
    })
    this.#refill()
    return entry
  }

  /**
   * Waits for `creation` to land, at most `maxWaitMs`, or until `signal` aborts; what lands
   * after that goes to the ready entries as any other. The pool refills for it at once.
   */
  #claim(
    creation: Creation,
    maxWaitMs: number,
    signal?: AbortSignal,
  ): Promise<WarmEntry | undefined> {
    return new Promise((resolve) => {
      const give = (entry: WarmEntry | undefined): void => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', giveUp)
        resolve(entry)
      }
      const giveUp = (): void => {
        if (creation.claimant !== give) return
        creation.claimant = undefined
        give(undefined)
      }
      const timer = setTimeout(giveUp, maxWaitMs)
      creation.claimant = give
      signal?.addEventListener('abort', giveUp, { once: true })
      if (signal?.aborted) giveUp()
      this.#refill()
    })
  }

  #busy(): boolean {
    let waiting = 0
    for (const creation of this.#creating.values()) if (creation.claimant !== undefined) waiting++
    return this.#options.busy?.(waiting) ?? false
  }

  /** Entries being made that no take waits for: the pool's own. */
  #unclaimed(preloaded?: boolean): number {
    let count = 0
    for (const creation of this.#creating.values())
      if (
        creation.claimant === undefined &&
        (preloaded === undefined || creation.preload === preloaded)
      )
        count++
    return count
  }

  #target(now: number): number {
    const demand = {
      ratePerMs: this.#demand.quickRatePerMs(now),
      peak: this.#demand.peak(now),
      refillMs: this.#costs.estimate().refillMs,
    }
    return targetSize(demand, this.#bounds)
  }

  /** The oldest entry of the kind the hint asks for, else the oldest; -1 when none is ready. */
  #pick(hint: TakeHint): number {
    if (this.#ready.length === 0) return -1
    if (hint.wantsPreloaded === undefined) return 0
    const index = this.#ready.findIndex((entry) => entry.preloaded === hint.wantsPreloaded)
    return index === -1 ? 0 : index
  }

  /**
   * Each tick: entries that can no longer be handed out go, extras go, gaps are filled, and
   * plain entries made during a rush are replaced by preloaded ones once it has passed.
   */
  #adjust(): void {
    if (this.#closed) return
    const now = this.#now()
    this.#busyShare.sample(now, this.#busy())
    this.#dropUnusable(now)
    this.#shrink(this.#target(now))
    this.#refill()
    this.#upgrade(now)
  }

  #refill(): void {
    if (this.#closed || this.#retryTimer !== undefined) return
    const now = this.#now()
    const target = this.#target(now)
    if (this.#ready.length + this.#unclaimed() >= target) {
      this.#deferredAt = undefined
      return
    }
    const preloading = this.#options.preloading ?? true
    // Never more being made at once than the pool's ceiling, those takes wait for included:
    // on a saturated CPU more starts side by side only make each of them later.
    while (
      this.#ready.length + this.#unclaimed() < target &&
      this.#creating.size < this.#bounds.max
    ) {
      const situation = preloading ? this.#situation(now) : undefined
      const choice = situation ? chooseRefill(situation) : 'plain'
      this.#options.logger.debug('warm pool refill', { choice, target, ...situation })
      if (choice === 'later') {
        this.#deferredAt ??= now
        return
      }
      this.#deferredAt = undefined
      this.#create(choice === 'preloaded')
    }
  }

  /**
   * One at a time, and only once nothing else is being made: an upgrade is CPU spent for
   * later, refills are what the next take needs first, and imports made side by side all
   * land late (four `import pandas` at once under gVisor on two cores take twice as long).
   */
  #upgrade(now: number): void {
    if (this.#retryTimer !== undefined || !(this.#options.preloading ?? true)) return
    if (this.#creating.size > 0) return
    const plain = this.#ready.find((e) => !e.preloaded && !this.#replacing.has(e))
    if (plain === undefined) return
    const situation = this.#situation(now)
    if (!shouldUpgrade(situation)) return
    this.#options.logger.debug('warm pool upgrade', { ...situation })
    this.#replacing.add(plain)
    this.#create(true, plain)
  }

  /**
   * Fewer preloaded entries are ready or being made than the code seen lately calls for (see
   * preloaded-count.ts): print(1) gains nothing from a preloaded container, and the CPU its
   * imports took is lost to executions.
   */
  #preloadedWanted(now: number): boolean {
    const share = this.#demand.preloadedShare()
    if (share < MIN_PRELOADED_SHARE) return false
    const preloaded = this.#ready.filter((e) => e.preloaded).length + this.#unclaimed(true)
    return preloaded < preloadedCount(share, this.#target(now))
  }

  /** What a refill choice reads: demand, costs, and the entries already ready or being made. */
  #situation(now: number): RefillSituation {
    const costs = this.#costs.estimate()
    return {
      busy: this.#busy(),
      ratePerMs: this.#demand.ratePerMs(now),
      ahead: this.#ready.length + this.#unclaimed(),
      wanted: this.#preloadedWanted(now),
      ...costs,
      importStale: costs.importStale && this.#unclaimed(true) === 0,
      deferredMs: this.#deferredAt === undefined ? 0 : now - this.#deferredAt,
      busyShare: this.#busyShare.value,
    }
  }

  /** `replaces`: a plain entry the new one takes the place of, if it is still ready by then. */
  #create(preload: boolean, replaces?: WarmEntry): void {
    const startedAt = this.#now()
    const state: Creation = { preload, startedAt, claimant: undefined }
    const creation = this.#options
      .create({ preload })
      .then((entry) => {
        this.#failures = 0
        this.#costs.record(entry.preloaded, this.#now() - startedAt)
        this.#options.logger.debug('warm pool entry ready', {
          preloaded: entry.preloaded,
          ms: Math.round(this.#now() - startedAt),
        })
        const claimant = state.claimant
        state.claimant = undefined
        if (this.#closed) {
          claimant?.(undefined)
          return this.#dispose(entry)
        }
        // A take waits for this one: it goes there, and a plain one it replaces stays.
        if (claimant !== undefined) return claimant(entry)
        this.#ready.push(entry)
        // Still ready (a take, a removal or close would have cleared it): it goes now.
        if (replaces !== undefined && this.#replacing.has(replaces)) {
          this.#ready.splice(this.#ready.indexOf(replaces), 1)
          this.#dispose(replaces)
        }
      })
      .catch((error: unknown) => {
        state.claimant?.(undefined)
        state.claimant = undefined
        this.#backOff(error)
      })
      .finally(() => {
        if (replaces !== undefined) this.#replacing.delete(replaces)
        this.#creating.delete(creation)
        // A refill held back by the ceiling on starts can go now.
        if (!this.#closed) this.#refill()
      })
    this.#creating.set(creation, state)
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

  /** Dead entries, and stale ones (close to their in-container idle deadline), are never handed out. */
  #dropUnusable(now: number): void {
    for (const entry of [...this.#ready]) {
      if (entry.container.alive && now - entry.createdAt <= this.#options.idleMs) continue
      this.#ready.splice(this.#ready.indexOf(entry), 1)
      this.#dispose(entry)
    }
  }

  /** Down to `target` ready entries: plain ones first, oldest first. */
  #shrink(target: number): void {
    while (this.#ready.length > target) {
      const plain = this.#ready.findIndex((entry) => !entry.preloaded)
      const [extra] = this.#ready.splice(plain === -1 ? 0 : plain, 1)
      if (extra !== undefined) this.#dispose(extra)
    }
  }

  /** The container first; its workspace only once the engine says the container is gone. */
  #dispose(entry: WarmEntry): void {
    this.#replacing.delete(entry)
    const disposal = this.#options
      .remove(entry)
      .catch((error: unknown) => {
        this.#options.logger.warn('could not remove a warm container', { error: String(error) })
      })
      .finally(() => this.#disposing.delete(disposal))
    this.#disposing.add(disposal)
  }
}
