import type { Redis } from 'ioredis'
import { decodeEvent, type JobEvent } from './job-events.js'

/**
 * The API node's side of an execution's event stream. `next()` blocks up to `blockMs`
 * and returns the events that arrived, in order; an empty array means none came in time
 * (the caller then checks on the job). Each reader has its own connection: a blocking read
 * holds it.
 */
export class EventReader {
  readonly #redis: Redis
  readonly #key: string
  readonly #executionId: string
  #lastId = '0-0'

  constructor(redis: Redis, key: string, executionId: string) {
    this.#redis = redis
    this.#key = key
    this.#executionId = executionId
  }

  async next(blockMs: number): Promise<JobEvent[]> {
    const reply = await this.#redis.xreadBuffer(
      'COUNT',
      256,
      'BLOCK',
      blockMs,
      'STREAMS',
      this.#key,
      this.#lastId,
    )
    if (reply === null) return []
    const events: JobEvent[] = []
    for (const [, entries] of reply) {
      for (const [id, fields] of entries) {
        this.#lastId = id.toString('latin1')
        events.push(decodeEvent(fields, this.#executionId))
      }
    }
    return events
  }
}
