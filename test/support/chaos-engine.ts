import type { ContainerCreateOptions } from 'dockerode'
import type {
  ContainerEngine,
  ContainerOutcome,
  EngineInfo,
  ExecuteRequest,
  ManagedContainer,
  StartedContainer,
} from '../../src/engine/container-engine.js'
import type { ContainerGone, StoppedContainer } from '../../src/engine/container-proofs.js'
import { DockerEngine } from '../../src/engine/docker-engine.js'

/** What each point of the engine port can be made to do wrong. */
export interface FaultsAt {
  /**
   * `fail`: rejects before anything is created. `fail_after_create`: the real start, then the
   * container is discarded and the start rejects, as a start that failed after create does.
   * `stall`: waits, then starts for real.
   */
  readonly start: 'fail' | 'fail_after_create' | 'stall'
  /** `fail`: the real run, then a throw (its outcome is lost). `stall`: waits before the real run. */
  readonly execute: 'fail' | 'stall'
  /** `fail`: rejects without stopping anything. `stall`: waits before the real stop. */
  readonly stop: 'fail' | 'stall'
  /**
   * `fail`: rejects without removing anything (the container is left for the sweep).
   * `fail_after_remove`: the real removal, then a rejection (no proof that it is gone).
   * `stall`: waits before the real removal.
   */
  readonly discard: 'fail' | 'fail_after_remove' | 'stall'
  /** `fail`: rejects without asking the engine. `stall`: waits before asking. */
  readonly containerGone: 'fail' | 'stall'
}

export type ChaosPoint = keyof FaultsAt

export const CHAOS_POINTS: readonly ChaosPoint[] = [
  'start',
  'execute',
  'stop',
  'discard',
  'containerGone',
]

/** Per fault, the probability that one call at this point gets it; `stallMs` is how long a stall lasts. */
export type PointPlan<P extends ChaosPoint> = { readonly [F in FaultsAt[P]]?: number } & {
  /** @default 500 */
  readonly stallMs?: number
}

export type ChaosPlan = { readonly [P in ChaosPoint]?: PointPlan<P> }

/** The error every injected fault throws, so a test can tell it from a real one. */
export class InjectedFault extends Error {
  constructor(
    readonly point: ChaosPoint,
    readonly fault: string,
  ) {
    super(`injected fault: ${point} ${fault}`)
    this.name = 'InjectedFault'
  }
}

/**
 * The real Docker engine behind our own port, with faults the test chooses: drawn per call
 * from a seeded PRNG (one stream per point, so the faults drawn at one point do not depend on
 * how many calls the others had) and a plan of probabilities, or queued one-shot with `once`.
 * With concurrent callers the draws are the same for a seed; which call gets which draw
 * follows the interleaving.
 */
export class ChaosEngine implements ContainerEngine {
  readonly seed: number
  readonly #engine: ContainerEngine
  readonly #random: Record<ChaosPoint, () => number>
  readonly #queued: { [P in ChaosPoint]: FaultsAt[P][] } = {
    start: [],
    execute: [],
    stop: [],
    discard: [],
    containerGone: [],
  }
  readonly #injected = new Map<string, number>()
  readonly #calls = new Map<ChaosPoint, number>()
  #plan: ChaosPlan

  constructor(options: { seed: number; plan?: ChaosPlan; engine?: ContainerEngine }) {
    this.seed = options.seed
    this.#plan = options.plan ?? {}
    this.#engine = options.engine ?? new DockerEngine()
    this.#random = Object.fromEntries(
      CHAOS_POINTS.map((point, index) => [point, mulberry32(options.seed + index * 0x9e3779b9)]),
    ) as Record<ChaosPoint, () => number>
  }

  /** Replaces the plan; `{}` turns the random faults off (queued one-shots stay). */
  setPlan(plan: ChaosPlan): void {
    this.#plan = plan
  }

  /** The next call at `point` gets `fault`, whatever the plan draws. */
  once<P extends ChaosPoint>(point: P, fault: FaultsAt[P]): void {
    this.#queued[point].push(fault)
  }

  /** No more faults: the plan is emptied and queued one-shots are dropped. */
  calm(): void {
    this.#plan = {}
    for (const point of CHAOS_POINTS) this.#queued[point].length = 0
  }

  /** How many faults were injected at `point` (of one kind, or all). */
  injected(point: ChaosPoint, fault?: string): number {
    if (fault !== undefined) return this.#injected.get(`${point} ${fault}`) ?? 0
    let total = 0
    for (const [key, count] of this.#injected) if (key.startsWith(`${point} `)) total += count
    return total
  }

  /** Calls made at `point`, faulty or not. */
  calls(point: ChaosPoint): number {
    return this.#calls.get(point) ?? 0
  }

  /** `point fault` → count, for every fault injected so far. */
  report(): Record<string, number> {
    return Object.fromEntries([...this.#injected].sort(([a], [b]) => a.localeCompare(b)))
  }

  async start(spec: ContainerCreateOptions, readyMarker?: string): Promise<StartedContainer> {
    const fault = this.draw('start')
    if (fault === 'fail') throw new InjectedFault('start', fault)
    if (fault === 'stall') await this.stall('start')
    const started = await this.#engine.start(spec, readyMarker)
    if (fault === 'fail_after_create') {
      // What a real start does when a step after create fails: remove, then reject.
      await started.discard().catch(() => undefined)
      throw new InjectedFault('start', fault)
    }
    return new ChaosStartedContainer(started, this)
  }

  async containerGone(executionId: string): Promise<ContainerGone | undefined> {
    const fault = this.draw('containerGone')
    if (fault === 'fail') throw new InjectedFault('containerGone', fault)
    if (fault === 'stall') await this.stall('containerGone')
    return this.#engine.containerGone(executionId)
  }

  info(): Promise<EngineInfo> {
    return this.#engine.info()
  }

  imageExists(image: string): Promise<boolean> {
    return this.#engine.imageExists(image)
  }

  imageId(image: string): Promise<string | undefined> {
    return this.#engine.imageId(image)
  }

  imagePackages(image: string): Promise<string[] | undefined> {
    return this.#engine.imagePackages(image)
  }

  listManaged(instanceId?: string): Promise<ManagedContainer[]> {
    return this.#engine.listManaged(instanceId)
  }

  remove(id: string): Promise<void> {
    return this.#engine.remove(id)
  }

  /** The fault for this call at `point` (a queued one first), counted; undefined for none. */
  draw<P extends ChaosPoint>(point: P): FaultsAt[P] | undefined {
    this.#calls.set(point, this.calls(point) + 1)
    // Drawn on every call, so the stream of draws at a point does not depend on one-shots.
    const roll = this.#random[point]()
    const fault = this.#queued[point].shift() ?? this.#pick(point, roll)
    if (fault !== undefined) {
      const key = `${point} ${fault}`
      this.#injected.set(key, (this.#injected.get(key) ?? 0) + 1)
    }
    return fault
  }

  stall(point: ChaosPoint): Promise<void> {
    const ms = this.#plan[point]?.stallMs ?? 500
    return new Promise((resolve) => setTimeout(resolve, ms))
  }

  #pick<P extends ChaosPoint>(point: P, roll: number): FaultsAt[P] | undefined {
    const plan = (this.#plan[point] ?? {}) as Record<string, number | undefined>
    let threshold = 0
    for (const [fault, probability] of Object.entries(plan)) {
      if (fault === 'stallMs' || probability === undefined) continue
      threshold += probability
      if (roll < threshold) return fault as FaultsAt[P]
    }
    return undefined
  }
}

/** A started container whose `execute`, `stop` and `discard` go through the chaos engine's faults. */
class ChaosStartedContainer implements StartedContainer {
  readonly #inner: StartedContainer
  readonly #chaos: ChaosEngine

  constructor(inner: StartedContainer, chaos: ChaosEngine) {
    this.#inner = inner
    this.#chaos = chaos
  }

  get id(): string {
    return this.#inner.id
  }

  get alive(): boolean {
    return this.#inner.alive
  }

  async execute(request: ExecuteRequest): Promise<ContainerOutcome> {
    const fault = this.#chaos.draw('execute')
    if (fault === 'stall') await this.#chaos.stall('execute')
    const outcome = await this.#inner.execute(request)
    if (fault === 'fail') throw new InjectedFault('execute', fault)
    return outcome
  }

  async stop(): Promise<StoppedContainer> {
    const fault = this.#chaos.draw('stop')
    if (fault === 'fail') throw new InjectedFault('stop', fault)
    if (fault === 'stall') await this.#chaos.stall('stop')
    return this.#inner.stop()
  }

  async discard(): Promise<ContainerGone> {
    const fault = this.#chaos.draw('discard')
    if (fault === 'fail') throw new InjectedFault('discard', fault)
    if (fault === 'stall') await this.#chaos.stall('discard')
    const gone = await this.#inner.discard()
    if (fault === 'fail_after_remove') throw new InjectedFault('discard', fault)
    return gone
  }
}

/** A small, fast, seedable PRNG (public domain): uniform in [0, 1). */
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
