import { StringDecoder } from 'node:string_decoder'
import type { FastifyReply } from 'fastify'
import type { ExecutionResult } from '../sandbox/execution-result.js'
import { abandonIfUnread } from './connection-limits.js'
import type { HttpError } from './http-errors.js'

export interface ExecutionStreamOptions {
  /** How long the client may take to read the stream once it has ended. */
  readonly responseTimeoutMs: number
}

/**
 * Server-Sent Events for one execution: `stdout` and `stderr` events (`{"text": ...}`) as
 * the code writes, then one `result` event (the same object the JSON answer holds) or one
 * `error` event (`{"error": {code, message}}`). Headers go out with the first event, so an
 * execution refused before it runs (queue full, bad request) still gets a plain JSON error.
 */
export class ExecutionStream {
  readonly #reply: FastifyReply
  readonly #responseTimeoutMs: number
  readonly #decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') }
  #started = false

  constructor(reply: FastifyReply, options: ExecutionStreamOptions) {
    this.#reply = reply
    this.#responseTimeoutMs = options.responseTimeoutMs
  }

  get started(): boolean {
    return this.#started
  }

  output(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    // The sandbox has already held back the runner's markers: this is the code's output.
    const text = this.#decoders[stream].write(chunk)
    if (text !== '') this.#send(stream, { text })
  }

  result(result: ExecutionResult): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const text = this.#decoders[stream].end()
      if (text !== '') this.#send(stream, { text })
    }
    this.#send('result', result)
    this.#end()
  }

  error(error: HttpError): void {
    this.#send('error', error.toJSON())
    this.#end()
  }

  #end(): void {
    this.#reply.raw.end()
    abandonIfUnread(this.#reply.request.raw, this.#reply.raw, this.#responseTimeoutMs)
  }

  #send(event: string, data: unknown): void {
    if (!this.#started) {
      this.#started = true
      this.#reply.hijack()
      this.#reply.raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      })
    }
    if (!this.#reply.raw.writableEnded)
      this.#reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
  }
}
