import { describe, expect, it } from 'vitest'
import type { ContainerOutcome, StartedContainer } from '../engine/container-engine.js'
import { ContainerGone, StoppedContainer } from '../engine/container-proofs.js'
import { silentLogger } from '../logger.js'
import { type WarmEntry, WarmPool } from './warm-pool.js'

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

  it('refills without preloading while takes find it empty, and preloads again after', async () => {
    let now = 0
    const asked: boolean[] = []
    const pool = new WarmPool({
      size: 1,
      idleMs: 60_000,
      pressureMs: 1_000,
      logger: silentLogger,
      now: () => now,
      remove: async (removed) => {
        await removed.container.discard()
      },
      create: async ({ preload }) => {
        asked.push(preload)
        return entry(undefined, now, preload)
      },
    })
    await settle()
    expect(pool.take()?.preloaded).toBe(true)
    expect(pool.take()).toBeUndefined() // outrun: the caller runs cold
    await settle()
    expect(pool.take()?.preloaded).toBe(true) // made before the miss
    await settle()
    expect(pool.take()?.preloaded).toBe(false) // made under pressure
    now = 1_000
    await settle()
    expect(pool.take()?.preloaded).toBe(false)
    await settle()
    expect(pool.take()?.preloaded).toBe(true) // made once the pressure had passed
    expect(asked).toEqual([true, true, false, false, true, true])
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
