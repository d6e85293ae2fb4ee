import PQueue from 'p-queue'
import { AbortedError, QueueFullError, SandboxError } from '../errors.js'

export interface ExecutionQueueOptions {
  /** Tasks running at once. */
  readonly concurrency: number
  /** Tasks allowed to wait beyond those running; past it `add` throws `QueueFullError`. */
  readonly queueLimit: number
}

/**
 * A bounded p-queue: it never grows past `concurrency + queueLimit` tasks, and a task
 * cancelled while it waits leaves the queue without running.
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

  async add<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw new AbortedError()
    if (this.#queue.pending >= this.#queue.concurrency && this.#queue.size >= this.#queueLimit) {
      throw new QueueFullError(this.#queueLimit)
    }
    try {
      return (await this.#queue.add(task, signal === undefined ? {} : { signal })) as T
    } catch (error) {
      // p-queue rejects with the signal's reason when a waiting task is cancelled.
      if (signal?.aborted && !(error instanceof SandboxError)) throw new AbortedError()
      throw error
    }
  }

  /** Resolves when nothing runs or waits. */
  onIdle(): Promise<void> {
    return this.#queue.onIdle()
  }
}
