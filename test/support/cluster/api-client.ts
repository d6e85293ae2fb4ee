import type { ExecutionResult } from '../../../src/sandbox/execution-result.js'

/** What `POST /v1/executions` takes (docs/api.md, Request fields). */
export interface ExecuteBody {
  readonly code: string
  readonly timeoutSeconds?: number
}

/** The one terminal answer an execution gets: a result (200), or an HTTP error. */
export type Answer =
  | { readonly kind: 'result'; readonly result: ExecutionResult; readonly bodyBytes: number }
  | {
      readonly kind: 'error'
      readonly status: number
      readonly code: string
      readonly message: string
      readonly retryAfter: string | null
    }

export interface StreamEvent {
  readonly event: string
  readonly data: unknown
  /** Which read of the response body brought it: events of one read arrived together. */
  readonly read: number
}

/** The HTTP API of one API node, as a client in the root namespace sees it. */
export class ApiClient {
  readonly baseUrl: string
  readonly #apiKey: string

  constructor(baseUrl: string, apiKey: string) {
    this.baseUrl = baseUrl
    this.#apiKey = apiKey
  }

  /** One execution, JSON answer. Rejects only when no HTTP answer came (or `signal` hung up). */
  async execute(body: ExecuteBody, options: { signal?: AbortSignal } = {}): Promise<Answer> {
    const response = await this.#post('/v1/executions', body, options.signal)
    const text = await response.text()
    return answerOf(response, text)
  }

  /** One execution with `?stream=true`: every event, and the terminal one as the answer. */
  async stream(body: ExecuteBody): Promise<{ events: StreamEvent[]; answer: Answer }> {
    const response = await this.#post('/v1/executions?stream=true', body)
    if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      return { events: [], answer: answerOf(response, await response.text()) }
    }
    const events: StreamEvent[] = []
    const decoder = new TextDecoder()
    let buffered = ''
    let read = 0
    for await (const chunk of response.body ?? []) {
      read += 1
      buffered += decoder.decode(chunk as Uint8Array, { stream: true })
      for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
        events.push(parseEvent(buffered.slice(0, end), read))
        buffered = buffered.slice(end + 2)
      }
    }
    const terminal = events.filter((e) => e.event === 'result' || e.event === 'error')
    if (terminal.length !== 1 || events.at(-1) !== terminal[0]) {
      throw new Error(
        `Expected one terminal event, last; got ${events.map((e) => e.event).join(', ')}`,
      )
    }
    const last = terminal[0] as StreamEvent
    if (last.event === 'result') {
      const result = last.data as ExecutionResult
      return { events, answer: { kind: 'result', result, bodyBytes: 0 } }
    }
    const { error } = last.data as { error: { code: string; message: string } }
    return {
      events,
      answer: { kind: 'error', status: 200, ...error, retryAfter: null },
    }
  }

  async readyz(): Promise<number> {
    const response = await fetch(`${this.baseUrl}/readyz`)
    await response.arrayBuffer()
    return response.status
  }

  async metrics(): Promise<string> {
    const response = await fetch(`${this.baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${this.#apiKey}` },
    })
    return response.text()
  }

  #post(path: string, body: ExecuteBody, signal?: AbortSignal): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.#apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...(signal === undefined ? {} : { signal }),
    })
  }
}

/** 200 is a result whatever the code did (docs/api.md); any other status is an error body. */
function answerOf(response: Response, text: string): Answer {
  if (response.status === 200) {
    return {
      kind: 'result',
      result: JSON.parse(text) as ExecutionResult,
      bodyBytes: Buffer.byteLength(text),
    }
  }
  const { error } = JSON.parse(text) as { error: { code: string; message: string } }
  return {
    kind: 'error',
    status: response.status,
    code: error.code,
    message: error.message,
    retryAfter: response.headers.get('retry-after'),
  }
}

function parseEvent(block: string, read: number): StreamEvent {
  let event = 'message'
  const data: string[] = []
  for (const line of block.split('\n')) {
    if (line.startsWith('event: ')) event = line.slice('event: '.length)
    else if (line.startsWith('data: ')) data.push(line.slice('data: '.length))
  }
  return { event, data: JSON.parse(data.join('\n')), read }
}
