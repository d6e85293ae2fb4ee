import { describe, expect, it } from 'vitest'
import type { ContainerOutcome, StartedContainer } from '../engine/container-engine.js'
import { ContainerGone, StoppedContainer } from '../engine/container-proofs.js'
import { silentLogger } from '../logger.js'
import { type WarmEntry, WarmPool, type WarmPoolOptions } from './warm-pool.js'

/** A fake of our own StartedContainer port: the pool's bookkeeping is what is under test. */
class FakeContainer implements StartedContainer {
  static made = 0
  readonly id = `c${++FakeContainer.made}`
  alive = true
  discarded = false
  execute(): Promise<ContainerOutcome> {
    throw new Error('not used')
  }
  async stop(): Promise<StoppedContainer> {
    this.alive = false
    return new StoppedContainer(this.id)
  }
  async discard(): Promise<ContainerGone> {
    this.alive = false
    this.discarded = true
    return new ContainerGone(this.id)
  }
}

function entry(container = new FakeContainer(), createdAt = 0, preloaded = true): WarmEntry {
  return { executionId: container.id, container, workspace: undefined, createdAt, preloaded }
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5))

/**
 * A pool on a fake clock whose refills take `plainMs`, plus `importMs` when preloaded: they
 * finish when `advance` moves the clock past that. Its ticks come every 2 ms of real time.
 */
function adaptivePool(
  options: { size: number; maxSize: number; plainMs?: number; importMs?: number } & Partial<
    Pick<WarmPoolOptions, 'busy' | 'preloading' | 'adjustEveryMs'>
  >,
) {
  const clock = { now: 0 }
  const made: boolean[] = []
  const pending: { due: number; finish: () => void }[] = []
  let live = 0
  let mostLive = 0
  const pool = new WarmPool({
    ...options,
    idleMs: 3_600_000,
    adjustEveryMs: options.adjustEveryMs ?? 2,
    logger: silentLogger,
    now: () => clock.now,
    remove: async (removed) => {
      live--
      await removed.container.discard()
    },
    create: ({ preload }) => {
      made.push(preload)
      mostLive = Math.max(mostLive, ++live)
      const due = clock.now + (options.plainMs ?? 0) + (preload ? (options.importMs ?? 0) : 0)
      return new Promise<WarmEntry>((resolve) => {
        const finish = () => resolve(entry(new FakeContainer(), clock.now, preload))
        if (due === clock.now) finish()
        else pending.push({ due, finish })
      })
    },
  })
  /** Moves the clock on by `ms`, finishing the refills due by then. */
  const advance = async (ms: number): Promise<void> => {
    clock.now += ms
    for (const due of pending.filter((p) => p.due <= clock.now)) {
      pending.splice(pending.indexOf(due), 1)
      due.finish()
    }
    await Promise.resolve()
  }
  const close = async (): Promise<void> => {
    for (const { finish } of pending.splice(0)) finish()
    await pool.close()
  }
  return { pool, clock, made, advance, close, live: () => live, mostLive: () => mostLive }
}

describe('WarmPool', () => {
  it('fills to its size, hands each entry out once, and refills behind it', async () => {
    const made: WarmEntry[] = []
    const pool = new WarmPool({
      size: 2,
      idleMs: 60_000,
      logger: silentLogger,
      remove: async (removed) => {
        await removed.container.discard()
      },
      create: async () => made[made.push(entry()) - 1] as WarmEntry,
    })
    await settle()
    expect(pool.ready).toBe(2)
    const first = pool.take()
    const second = pool.take()
    expect(first).not.toBe(second)
    expect(pool.take()).toBeUndefined()
    await settle()
    expect(pool.ready).toBe(2)
    expect(made).toHaveLength(4)
    if (first === undefined) throw new Error('expected a ready entry')
    pool.release(first)
    await settle()
    expect((first.container as FakeContainer).discarded).toBe(true)
    await pool.close()
  })

  it('skips and removes entries whose container died while waiting', async () => {
    const pool = new WarmPool({
      size: 2,
      idleMs: 60_000,
      logger: silentLogger,
      remove: async (removed) => {
        await removed.container.discard()
      },
      create: async () => entry(),
    })
    await settle()
    const dead = pool.take()
    if (dead === undefined) throw new Error('expected a ready entry')
    ;(dead.container as FakeContainer).alive = false
    pool.release(dead)
    await settle()
    const [a, b] = [pool.take(), pool.take()]
    for (const taken of [a, b]) expect(taken?.container.alive).toBe(true)
    await pool.close()
  })

  it('replaces entries idle past idleMs', async () => {
    let now = 0
    const pool = new WarmPool({
      size: 1,
      idleMs: 20,
      now: () => now,
      logger: silentLogger,
      remove: async (removed) => {
        await removed.container.discard()
      },
      create: async () => entry(new FakeContainer(), now),
    })
    await settle()
    now = 1_000
    await new Promise((resolve) => setTimeout(resolve, 40))
    const fresh = pool.take()
    expect(fresh?.createdAt).toBe(1_000)
    await pool.close()
  })

  it('backs off while creation fails, and never blocks take()', async () => {
    let attempts = 0
    const pool = new WarmPool({
      size: 1,
      idleMs: 60_000,
      logger: silentLogger,
      remove: async (removed) => {
        await removed.container.discard()
      },
      create: async () => {
        attempts++
        throw new Error('engine down')
      },
    })
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(pool.take()).toBeUndefined()
    // 250 ms after the first failure, no second attempt yet.
    expect(attempts).toBe(1)
    await pool.close()
  })

  it('close() discards ready entries and those still being created', async () => {
    const containers: FakeContainer[] = []
    let release = (): void => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let calls = 0
    const pool = new WarmPool({
      size: 2,
      idleMs: 60_000,
      logger: silentLogger,
      remove: async (removed) => {
        await removed.container.discard()
      },
      create: async () => {
        const container = new FakeContainer()
        containers.push(container)
        if (++calls === 2) await gate
        return entry(container)
      },
    })
    await settle()
    const closing = pool.close()
    release()
    await closing
    expect(containers.map((c) => c.discarded)).toEqual([true, true])
  })
})

describe('WarmPool adapting to what it sees', () => {
  it('grows with a burst of parallel takes, up to maxSize', async () => {
    const { pool, made, mostLive } = adaptivePool({ size: 2, maxSize: 4 })
    await settle()
    expect(pool.gauges().targetSize).toBe(2)
    const burst = [1, 2, 3, 4, 5, 6].map(() => pool.take())
    expect(burst.filter((taken) => taken !== undefined)).toHaveLength(2)
    expect(pool.gauges().targetSize).toBe(4)
    await settle()
    expect(pool.ready).toBe(4)
    expect(made).toHaveLength(6)
    // The entries handed out are still in use: only ready ones and those starting count.
    expect(mostLive() - 2).toBeLessThanOrEqual(4)
    await pool.close()
  })

  it('returns to its floor once demand has decayed, removing the extra entries', async () => {
    const { pool, clock, live } = adaptivePool({ size: 2, maxSize: 4 })
    await settle()
    for (const taken of [pool.take(), pool.take(), pool.take()])
      if (taken !== undefined) pool.release(taken)
    await settle()
    expect(pool.ready).toBe(3)
    clock.now += 10_000
    await settle()
    expect(pool.ready).toBe(3)
    clock.now += 5 * 60_000
    await settle()
    expect(pool.gauges().targetSize).toBe(2)
    expect(pool.ready).toBe(2)
    expect(live()).toBe(2)
    await pool.close()
    expect(live()).toBe(0)
  })

  it('never grows past maxSize however many takes come', async () => {
    const { pool, advance, close, mostLive } = adaptivePool({ size: 1, maxSize: 3, plainMs: 100 })
    for (let i = 0; i < 200; i++) {
      await advance(10)
      const taken = pool.take()
      if (taken !== undefined) pool.release(taken)
    }
    await settle()
    expect(pool.gauges().targetSize).toBe(3)
    expect(mostLive()).toBeLessThanOrEqual(3 + 1) // one handed out at a time
    await close()
  })

  it('preloads when a container will wait longer than its imports take', async () => {
    // One take every 5 s; plain refills 100 ms, imports 400 ms: well worth it.
    const { pool, advance, close, made } = adaptivePool({
      size: 2,
      maxSize: 2,
      plainMs: 100,
      importMs: 400,
    })
    for (let i = 0; i < 5; i++) {
      await advance(5_000)
      pool.take()
      await settle()
    }
    expect(made.every((preload) => preload)).toBe(true)
    expect(pool.gauges().takes).toEqual({ preloaded: 5, plain: 0, none: 0 })
    await close()
  })

  it('refills plain when a busy CPU would see containers taken before their imports pay off', async () => {
    // Twenty takes a second, each execution running until the next: the pool's ticks see the
    // CPU busy, refills are decided as each execution ends. A container waits ~100 ms, the
    // imports take 400.
    let running = false
    const { pool, advance, close, made } = adaptivePool({
      size: 2,
      maxSize: 2,
      plainMs: 100,
      importMs: 400,
      busy: () => running,
    })
    for (let i = 0; i < 200; i++) {
      running = true
      pool.take()
      await advance(50)
      await settle() // a tick samples the CPU busy
      running = false
      pool.nudge()
    }
    await settle()
    // Plain: the first refills preload while the CPU's history is short, and the import cost
    // is measured again only once the load drops.
    const recent = made.slice(-60)
    expect(recent.filter((preload) => preload).length).toBeLessThanOrEqual(recent.length / 6)
    await close()
  })

  it('does not preload while executions are busy, and preloads once they are not', async () => {
    let busy = false
    const { pool, made } = adaptivePool({ size: 2, maxSize: 2, busy: () => busy })
    await settle()
    expect(made).toEqual([true, true])
    busy = true
    pool.take()
    await settle()
    expect(made).toEqual([true, true]) // one still ready: the refill waits for the rush to pass
    pool.take()
    await settle()
    expect(made).toEqual([true, true, false]) // none ready: plain, so one is ready soon
    busy = false
    await settle()
    // The gap is filled preloaded, and the plain one made in the rush is replaced.
    expect(made).toEqual([true, true, false, true, true])
    expect([pool.take()?.preloaded, pool.take()?.preloaded]).toEqual([true, true])
    await pool.close()
  })

  it('starts a refill put off for a rush when an execution ends, not on the next tick', async () => {
    let busy = false
    const { pool, close, made } = adaptivePool({
      size: 2,
      maxSize: 2,
      busy: () => busy,
      adjustEveryMs: 3_600_000,
    })
    await settle()
    busy = true
    pool.take()
    await settle()
    expect(made).toEqual([true, true]) // one still ready: put off
    busy = false
    await settle()
    expect(made).toEqual([true, true]) // the next tick is an hour away
    pool.nudge()
    await settle()
    expect(made).toEqual([true, true, true])
    await close()
  })

  it('makes a refill put off for a rush plain after all once the rush has lasted a second', async () => {
    let busy = false
    const { pool, advance, close, made } = adaptivePool({ size: 2, maxSize: 2, busy: () => busy })
    await settle()
    busy = true
    await advance(10_000)
    pool.take()
    await settle()
    expect(made).toEqual([true, true]) // one still ready: put off
    await advance(999)
    await settle()
    expect(made).toEqual([true, true])
    await advance(1)
    await settle()
    expect(made).toEqual([true, true, false])
    await close()
  })

  it('keeps plain entries made in a rush when the code that comes imports nothing preloaded', async () => {
    let busy = false
    const { pool, made } = adaptivePool({ size: 2, maxSize: 2, busy: () => busy })
    await settle()
    busy = true
    for (let i = 0; i < 16; i++) pool.release(pool.take({ wantsPreloaded: false }) ?? entry())
    await settle()
    busy = false
    await settle()
    expect(made.slice(2).filter((preload) => preload)).toHaveLength(0)
    await pool.close()
  })

  it('preloads in proportion to the code that imports preloaded modules', async () => {
    const { pool, clock, made } = adaptivePool({ size: 4, maxSize: 4 })
    await settle()
    const take = async (wantsPreloaded: boolean) => {
      clock.now += 5_000
      const taken = pool.take({ wantsPreloaded })
      await settle()
      return taken?.preloaded
    }
    for (let i = 0; i < 20; i++) await take(false)
    // Plain code takes plain entries first, so those are what it used up and had made again.
    expect(made.slice(-10)).toEqual(Array(10).fill(false))
    const kinds: (boolean | undefined)[] = []
    for (let i = 0; i < 12; i++) kinds.push(await take(i % 4 === 0))
    // One in four wants pandas: each of those finds a preloaded entry, while no more than one
    // refill in four preloads.
    expect(kinds.filter((preloaded, i) => i % 4 === 0 && preloaded)).toHaveLength(3)
    expect(made.slice(-12).filter((preload) => preload).length).toBeLessThanOrEqual(3)
    await pool.close()
  })

  it('hands preloaded entries to code that imports them, plain ones to other code', async () => {
    let preloaded = false
    const pool = new WarmPool({
      size: 3,
      idleMs: 60_000,
      preloading: false,
      logger: silentLogger,
      remove: async (removed) => {
        await removed.container.discard()
      },
      // Made plain, then preloaded, in turn: what the pool asked for is not under test here.
      create: async () => {
        preloaded = !preloaded
        return entry(new FakeContainer(), 0, !preloaded)
      },
    })
    await settle()
    expect(pool.take({ wantsPreloaded: true })?.preloaded).toBe(true)
    expect(pool.take({ wantsPreloaded: false })?.preloaded).toBe(false)
    expect(pool.take({ wantsPreloaded: true })?.preloaded).toBe(false) // none left preloaded
    await pool.close()
  })

  it('falls back to the other kind when the one asked for is not ready', async () => {
    const { pool } = adaptivePool({ size: 1, maxSize: 1 })
    await settle()
    expect(pool.take({ wantsPreloaded: false })?.preloaded).toBe(true)
    await pool.close()
  })

  it('makes every refill plain, and at once, when there is nothing to preload', async () => {
    const { pool, made } = adaptivePool({
      size: 2,
      maxSize: 2,
      preloading: false,
      busy: () => true,
    })
    await settle()
    pool.take()
    await settle()
    expect(made).toEqual([false, false, false])
    await pool.close()
  })

  it('counts takes by what they found and reports its target size', async () => {
    let busy = true
    const { pool, clock } = adaptivePool({ size: 1, maxSize: 2, busy: () => busy })
    await settle()
    expect(pool.take()?.preloaded).toBe(false) // made while busy: plain
    expect(pool.take()).toBeUndefined() // its replacement is still starting
    clock.now += 5_000
    busy = false
    await settle()
    expect(pool.take({ wantsPreloaded: true })?.preloaded).toBe(true)
    expect(pool.gauges()).toEqual({
      ready: 1,
      targetSize: 2,
      takes: { preloaded: 1, plain: 1, none: 1 },
      waits: 0,
    })
    await pool.close()
  })
})

describe('WarmPool.acquire: waiting for an entry being made', () => {
  /** Two preloaded entries taken at t = 1.1 s: their replacements are due at 2.2 s. */
  async function emptied(importMs: number) {
    const pool = adaptivePool({ size: 2, maxSize: 2, importMs })
    await pool.advance(importMs)
    await settle()
    pool.pool.take({ wantsPreloaded: true })
    pool.pool.take({ wantsPreloaded: true })
    await settle()
    expect(pool.made).toEqual([true, true, true, true])
    return pool
  }

  it('waits for a preloaded entry that lands before a cold start and its import would', async () => {
    const { pool, advance, close } = await emptied(1_000)
    await advance(600)
    let got: WarmEntry | undefined
    const acquired = pool.acquire({ wantsPreloaded: true }).then((entry) => {
      got = entry
    })
    await settle()
    expect(got).toBeUndefined() // waiting: 400 ms left against 1 s
    await advance(400)
    await acquired
    expect(got?.preloaded).toBe(true)
    expect(pool.gauges().takes.preloaded).toBe(3)
    expect(pool.gauges().waits).toBe(1)
    await settle()
    // The claimed one is the take's: the pool makes another for itself.
    expect(pool.gauges().targetSize).toBe(2)
    await close()
  })

  it('never makes more at once than its ceiling, those takes wait for included', async () => {
    const { pool, advance, close, made } = await emptied(1_000)
    await advance(600)
    const acquired = pool.acquire({ wantsPreloaded: true })
    await settle()
    // The claimed one is no longer the pool's, but two are being made already: no third.
    expect(made).toHaveLength(4)
    await advance(400)
    expect((await acquired)?.preloaded).toBe(true)
    await settle()
    expect(made).toHaveLength(5)
    await close()
  })

  it('tells busy() how many running executions only wait for an entry', async () => {
    const waiting: number[] = []
    const pool = adaptivePool({
      size: 2,
      maxSize: 2,
      importMs: 1_000,
      busy: (count) => {
        waiting.push(count)
        return false
      },
    })
    await pool.advance(1_000)
    await settle()
    pool.pool.take({ wantsPreloaded: true })
    pool.pool.take({ wantsPreloaded: true })
    await pool.advance(600)
    const acquired = pool.pool.acquire({ wantsPreloaded: true })
    await settle()
    expect(waiting.at(-1)).toBe(1)
    await pool.advance(400)
    await acquired
    await settle()
    expect(waiting.at(-1)).toBe(0)
    await pool.close()
  })

  it('gives up after what the other way would cost, and the entry lands ready later', async () => {
    const { pool, advance, close } = await emptied(30)
    await advance(10) // 20 ms left against 30: worth a wait, never longer than 30 ms
    const started = performance.now()
    expect(await pool.acquire({ wantsPreloaded: true })).toBeUndefined()
    expect(performance.now() - started).toBeGreaterThanOrEqual(25)
    expect(pool.gauges().takes.none).toBe(1)
    expect(pool.gauges().waits).toBe(0)
    await advance(20)
    await settle()
    expect(pool.ready).toBe(2)
    await close()
  })

  it('stops waiting when its execution is aborted', async () => {
    const { pool, advance, close } = await emptied(1_000)
    await advance(100)
    const controller = new AbortController()
    const acquired = pool.acquire({ wantsPreloaded: true }, controller.signal)
    await settle()
    const aborted = performance.now()
    controller.abort()
    expect(await acquired).toBeUndefined()
    expect(performance.now() - aborted).toBeLessThan(500) // not the 1 s it would have waited
    await advance(900)
    await settle()
    expect(pool.ready).toBe(2)
    await close()
  })

  it('runs cold rather than wait for an entry that lands later than a cold start', async () => {
    const { pool, close } = await emptied(1_000)
    // Nothing of the refills has passed: 1 s left, no better than a cold start and import.
    const started = performance.now()
    expect(await pool.acquire({ wantsPreloaded: true })).toBeUndefined()
    expect(performance.now() - started).toBeLessThan(500)
    await close()
  })
})
