import type { Redis } from 'ioredis'
import type { SandboxError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { ExecutionResult } from '../sandbox/execution-result.js'
import { encodeError, encodeOutput, encodeResult } from './job-events.js'

export interface EventWriterOptions {
  readonly redis: Redis
  readonly key: string
  readonly ttlSeconds: number
  /** Output forwarded per stream at most (the result carries the authoritative output). */
  readonly maxOutputBytes: number
  readonly logger: Logger
}

/** Chunks are gathered this long, or up to this many bytes, per XADD. */
const FLUSH_MS = 15
const FLUSH_BYTES = 64 * 1_024
/** The last event is retried while Redis is away, for about this long. */
const FINAL_RETRY_MS = 30_000

/**
 * A worker's side of an execution's event stream: output chunks as the code writes them
 * (batched, in order, bounded), then one result or error. Output lost while Redis is
 * away only costs live streaming; the final event is retried.
 */
export class EventWriter {
  readonly #options: EventWriterOptions
  readonly #pending: { stream: 'stdout' | 'stderr'; chunks: Buffer[]; bytes: number }[] = []
  readonly #forwarded = { stdout: 0, stderr: 0 }
  #timer: NodeJS.Timeout | undefined
  #chain: Promise<void> = Promise.resolve()

  constructor(options: EventWriterOptions) {
    this.#options = options
  }

  output(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    const room = this.#options.maxOutputBytes - this.#forwarded[stream]
    if (room <= 0) return
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk
    this.#forwarded[stream] += part.length
    const last = this.#pending.at(-1)
    if (last?.stream === stream) {
      last.chunks.push(part)
      last.bytes += part.length
    } else {
      this.#pending.push({ stream, chunks: [part], bytes: part.length })
    }
    const buffered = this.#pending.reduce((sum, p) => sum + p.bytes, 0)
    if (buffered >= FLUSH_BYTES) this.#flush()
    else this.#timer ??= setTimeout(() => this.#flush(), FLUSH_MS)
  }

  async result(result: ExecutionResult): Promise<void> {
    await this.#final(encodeResult(result))
  }

  async error(error: SandboxError): Promise<void> {
    await this.#final(encodeError(error))
  }

  async #final(fields: (string | Buffer)[]): Promise<void> {
    this.#flush()
    await this.#chain
    const deadline = Date.now() + FINAL_RETRY_MS
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#add(fields)
        return
      } catch (error) {
        if (Date.now() > deadline) throw error
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 2_000)))
      }
    }
  }

  #flush(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    const batches = this.#pending.splice(0)
    for (const batch of batches) {
      const fields = encodeOutput(batch.stream, Buffer.concat(batch.chunks, batch.bytes))
      this.#chain = this.#chain.then(() =>
        this.#add(fields).catch((error: unknown) => {
          this.#options.logger.debug('could not forward output', { error: String(error) })
        }),
      )
    }
  }

  async #add(fields: (string | Buffer)[]): Promise<void> {
    const { redis, key, ttlSeconds } = this.#options
    const replies = await redis
      .multi()
      .xadd(key, '*', ...fields)
      .expire(key, ttlSeconds)
      .exec()
    if (replies === null) throw new Error('the transaction was discarded')
    for (const [error] of replies) if (error) throw error
  }
}
