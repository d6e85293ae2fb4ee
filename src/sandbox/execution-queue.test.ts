import { describe, expect, it } from 'vitest'
import { AbortedError, QueueFullError } from '../errors.js'
import { ExecutionQueue } from './execution-queue.js'

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {}
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

describe('ExecutionQueue', () => {
  it('runs at most `concurrency` tasks at once', async () => {
    const queue = new ExecutionQueue({ concurrency: 2, queueLimit: 10 })
    const gate = deferred()
    let peak = 0
    let running = 0
    const task = async (): Promise<void> => {
      running++
      peak = Math.max(peak, running)
      await gate.promise
      running--
    }
    const all = Promise.all([1, 2, 3, 4].map(() => queue.add(task)))
    await Promise.resolve()
    expect(queue.running).toBe(2)
    expect(queue.waiting).toBe(2)
    gate.resolve()
    await all
    expect(peak).toBe(2)
  })

  it('refuses with queue_full once the waiting line is at its limit', async () => {
    const queue = new ExecutionQueue({ concurrency: 1, queueLimit: 1 })
    const gate = deferred()
    const first = queue.add(() => gate.promise)
    const second = queue.add(() => gate.promise)
    await expect(queue.add(() => gate.promise)).rejects.toBeInstanceOf(QueueFullError)
    await expect(queue.add(() => gate.promise)).rejects.toMatchObject({ code: 'queue_full' })
    gate.resolve()
    await Promise.all([first, second])
  })

  it('drops a waiting task whose signal aborts, without running it', async () => {
    const queue = new ExecutionQueue({ concurrency: 1, queueLimit: 5 })
    const gate = deferred()
    const first = queue.add(() => gate.promise)
    const controller = new AbortController()
    let ran = false
    const second = queue.add(async () => {
      ran = true
    }, controller.signal)
    controller.abort()
    await expect(second).rejects.toBeInstanceOf(AbortedError)
    gate.resolve()
    await first
    await queue.onIdle()
    expect(ran).toBe(false)
  })

  it('refuses a task whose signal is already aborted', async () => {
    const queue = new ExecutionQueue({ concurrency: 1, queueLimit: 5 })
    await expect(queue.add(async () => 1, AbortSignal.abort())).rejects.toBeInstanceOf(AbortedError)
  })
})
