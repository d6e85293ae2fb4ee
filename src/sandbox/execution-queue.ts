import PQueue from 'p-queue'
import { AbortedError, QueueFullError } from '../errors.js'

export interface ExecutionQueueOptions {
  /** Tasks running at once. */
  readonly concurrency: number
  /** Tasks allowed to wait beyond those running; past it `add` throws `QueueFullError`. */
  readonly queueLimit: number
}

/**
 * A bounded p-queue: it never grows past `concurrency + queueLimit` tasks. A task cancelled
 * while it waits rejects at once and never runs; a task cancelled while it runs is left to
 * stop itself (and clean up) before its promise settles.
 */
export class ExecutionQueue {
  readonly #queue: PQueue
  readonly #queueLimit: number

  constructor(options: ExecutionQueueOptions) {
    this.#queue = new PQueue({ concurrency: options.concurrency })
    this.#queueLimit = options.queueLimit
  }

  /** Tasks waiting for a slot. */
  get waiting(): number {
    return this.#queue.size
  }

  /** Tasks running now. */
  get running(): number {
    return this.#queue.pending
  }

  add<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(new AbortedError())
    if (this.#queue.pending >= this.#queue.concurrency && this.#queue.size >= this.#queueLimit) {
      return Promise.reject(new QueueFullError(this.#queueLimit))
    }
    // p-queue's own `signal` would also reject a running task's promise before the task has
    // cleaned up, so cancellation of waiting tasks is handled here instead.
    let started = false
    const queued = this.#queue.add(async () => {
      if (signal?.aborted) throw new AbortedError()
      started = true
      return task()
    }) as Promise<T>
    if (signal === undefined) return queued
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        if (!started) reject(new AbortedError())
      }
      signal.addEventListener('abort', onAbort, { once: true })
      queued.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
    })
  }

  /** Resolves when nothing runs or waits. */
  onIdle(): Promise<void> {
    return this.#queue.onIdle()
  }
}
