import { afterEach, describe, expect, it } from 'vitest'
import { LockWatch } from './lock-watch.js'

const LOCK_MS = 2_000

describe('LockWatch', () => {
  let now = 0
  let lost: string[] = []
  let watch: LockWatch | undefined

  function start(): LockWatch {
    now = 1_000_000
    lost = []
    watch = new LockWatch(
      LOCK_MS,
      (id) => lost.push(id),
      () => now,
    )
    return watch
  }

  afterEach(() => watch?.close())

  it('never reports a job whose lock keeps being renewed', () => {
    const locks = start()
    locks.track('a')
    for (let i = 0; i < 10; i++) {
      now += LOCK_MS - 1
      locks.renewed(['a'])
      locks.check()
    }
    expect(lost).toEqual([])
  })

  it('reports a job once when its lock was not renewed within the lock duration', () => {
    const locks = start()
    locks.track('a')
    locks.track('b')
    now += LOCK_MS
    locks.renewed(['b'])
    locks.check()
    expect(lost).toEqual([])
    now += 1
    locks.check()
    expect(lost).toEqual(['a'])
    now += 10 * LOCK_MS
    locks.check()
    locks.check()
    expect(lost).toEqual(['a', 'b'])
  })

  it('never reports a job it does not track', () => {
    const locks = start()
    locks.renewed(['stranger'])
    locks.track('done')
    locks.untrack('done')
    now += 10 * LOCK_MS
    locks.check()
    expect(lost).toEqual([])
  })
})
