import type { RequestId } from '@modelcontextprotocol/sdk/types.js'

/**
 * The tool calls in flight over stateless HTTP, by client and JSON-RPC request id. A client's
 * `notifications/cancelled` arrives in a POST of its own, at a server made for that POST that
 * never saw the call; this is how it finds the call it names.
 *
 * Request ids are only unique within one MCP client, and several clients may share an API
 * key (or be `anonymous`), so an id that two calls of the client share cancels neither.
 */
export class InFlightCalls {
  readonly #calls = new Map<string, Set<() => void>>()

  /** Registers a call and how to cancel it; returns the function that removes it again. */
  add(client: string, requestId: RequestId, cancel: () => void): () => void {
    const key = callKey(client, requestId)
    const calls = this.#calls.get(key) ?? new Set()
    // One entry per registration, even when two calls pass the same function.
    const entry = () => cancel()
    calls.add(entry)
    this.#calls.set(key, calls)
    return () => {
      calls.delete(entry)
      if (calls.size === 0 && this.#calls.get(key) === calls) this.#calls.delete(key)
    }
  }

  /** Cancels the call `requestId` of `client` when exactly one is in flight; says whether it did. */
  cancel(client: string, requestId: RequestId): boolean {
    const calls = this.#calls.get(callKey(client, requestId))
    if (calls === undefined || calls.size !== 1) return false
    for (const cancel of calls) cancel()
    return true
  }

  /** Calls in flight, for tests. */
  get size(): number {
    let size = 0
    for (const calls of this.#calls.values()) size += calls.size
    return size
  }
}

/** `1` and `"1"` are different ids. */
function callKey(client: string, requestId: RequestId): string {
  return JSON.stringify([client, requestId])
}
