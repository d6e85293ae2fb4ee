import type { Redis } from 'ioredis'

/** Idle reader connections kept for reuse; more are opened on demand and closed on return. */
const KEEP_IDLE = 16

/**
 * Connections for blocking reads, one per waiting execution (a blocked XREAD holds its
 * connection). A connection whose read was abandoned is discarded, never reused.
 */
export class ReaderPool {
  readonly #open: () => Redis
  readonly #idle: Redis[] = []
  readonly #busy = new Set<Redis>()
  #closed = false

  constructor(open: () => Redis) {
    this.#open = open
  }

  acquire(): Redis {
    if (this.#closed) throw new Error('the reader pool is closed')
    const redis = this.#idle.pop() ?? this.#open()
    this.#busy.add(redis)
    return redis
  }

  release(redis: Redis): void {
    this.#busy.delete(redis)
    if (!this.#closed && this.#idle.length < KEEP_IDLE && redis.status === 'ready')
      this.#idle.push(redis)
    else redis.disconnect()
  }

  discard(redis: Redis): void {
    this.#busy.delete(redis)
    redis.disconnect()
  }

  close(): void {
    this.#closed = true
    for (const redis of [...this.#idle.splice(0), ...this.#busy]) redis.disconnect()
    this.#busy.clear()
  }
}
