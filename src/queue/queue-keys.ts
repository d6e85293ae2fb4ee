/** BullMQ's key prefix and ours: every key of a deployment starts with `tas:`. */
export const KEY_PREFIX = 'tas'

/** The Redis keys one queue uses beside BullMQ's own. */
export class QueueKeys {
  readonly #base: string

  constructor(queueName: string) {
    this.#base = `${KEY_PREFIX}:${queueName}`
  }

  /** Output chunks, then the result or error: a Redis Stream per execution. */
  events(id: string): string {
    return `${this.#base}:events:${id}`
  }

  /** Set (NX) by the worker that starts the execution: no second start, whatever BullMQ does. */
  claim(id: string): string {
    return `${this.#base}:claim:${id}`
  }

  /** Set by a caller that gave up: a worker that has not started the code yet never will. */
  cancelled(id: string): string {
    return `${this.#base}:cancelled:${id}`
  }

  /** Pub/sub: execution ids to cancel wherever they run. */
  get cancelChannel(): string {
    return `${this.#base}:cancel`
  }

  /** Sorted set of worker names, scored by when their heartbeat expires (ms). */
  get workers(): string {
    return `${this.#base}:workers`
  }

  /** Hash: worker name → JSON state (`ready` or `paused`, concurrency). */
  get workerStates(): string {
    return `${this.#base}:worker-states`
  }

  /** Counter: executions whose worker was lost, cluster-wide. */
  get lost(): string {
    return `${this.#base}:lost`
  }

  /** Hash: one API key's rate-limit token bucket (tokens, updated at), shared by every API node. */
  rate(client: string): string {
    return `${this.#base}:rate:${client}`
  }

  /** Sorted set: one API key's executions in progress on any API node, scored by when they expire (ms). */
  slots(client: string): string {
    return `${this.#base}:slots:${client}`
  }

  /** String: one `Idempotency-Key` of one API key, pending (its lease) or done (the first answer), shared by every API node. */
  idempotency(client: string, key: string): string {
    return `${this.#base}:idempotency:${client}:${key}`
  }
}
