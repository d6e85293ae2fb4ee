import { StringDecoder } from 'node:string_decoder'
import type { OutputListener } from '../engine/container-engine.js'

export interface ProgressNotification {
  readonly method: 'notifications/progress'
  readonly params: {
    readonly progressToken: string | number
    readonly progress: number
    readonly message: string
  }
}

/** Output is sent at most this often, and at most this many characters per notification. */
const INTERVAL_MS = 100
const MAX_MESSAGE_CHARS = 8_192

/**
 * MCP progress for a tool call whose client asked for it (a `progressToken`): the code's
 * output as it is written, batched, in notifications whose `progress` is the bytes seen so
 * far (it only grows, as the protocol requires). Returns the listener and a `flush` to call
 * before the result is sent.
 */
export function outputProgress(
  progressToken: string | number,
  send: (notification: ProgressNotification) => Promise<void>,
): { readonly onOutput: OutputListener; readonly flush: () => Promise<void> } {
  const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') }
  let pending = ''
  let bytes = 0
  let timer: NodeJS.Timeout | undefined
  let chain = Promise.resolve()
  const emit = (): Promise<void> => {
    clearTimeout(timer)
    timer = undefined
    while (pending !== '') {
      const message = pending.slice(0, MAX_MESSAGE_CHARS)
      pending = pending.slice(message.length)
      const notification: ProgressNotification = {
        method: 'notifications/progress',
        params: { progressToken, progress: bytes, message },
      }
      // A client that went away must not fail the execution.
      chain = chain.then(() => send(notification)).catch(() => {})
    }
    return chain
  }
  const onOutput: OutputListener = (stream, chunk) => {
    bytes += chunk.length
    pending += decoders[stream].write(chunk)
    timer ??= setTimeout(() => void emit(), INTERVAL_MS)
  }
  const flush = (): Promise<void> => {
    pending += decoders.stdout.end() + decoders.stderr.end()
    return emit()
  }
  return { onOutput, flush }
}
