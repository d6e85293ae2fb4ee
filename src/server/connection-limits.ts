import type { IncomingMessage, ServerOptions, ServerResponse } from 'node:http'
import type { ServerConfig } from '../config/schema.js'

/** The Fastify options that bound how long a connection may take to send a request or sit idle. */
export interface ConnectionTimeouts {
  readonly requestTimeout: number
  readonly keepAliveTimeout: number
  readonly connectionTimeout: number
  readonly http: Pick<ServerOptions, 'headersTimeout' | 'connectionsCheckingInterval'>
}

/**
 * Node's request timeout covers a connection from its first byte (or from connecting, so a
 * silent one is closed too) until the whole request has arrived; the keep-alive timeout covers
 * the idle time between requests. Socket inactivity (`connectionTimeout`) stays off: no byte
 * moves while the code runs, so it would cut any execution longer than itself.
 */
export function connectionTimeouts(config: ServerConfig): ConnectionTimeouts {
  const requestTimeout = Math.round(config.request_timeout_seconds * 1_000)
  return {
    requestTimeout,
    keepAliveTimeout: Math.round(config.keep_alive_timeout_seconds * 1_000),
    connectionTimeout: 0,
    http: {
      headersTimeout: requestTimeout,
      // Node checks the request timeout on this interval (30 s by default), so a late request
      // is cut at most this long after its deadline.
      connectionsCheckingInterval: Math.min(1_000, Math.max(100, requestTimeout / 4)),
    },
  }
}

/**
 * Calls `done` once, when the response has been handed to the kernel in full or its connection
 * has closed, whichever comes first.
 */
export function whenResponseDone(
  request: IncomingMessage,
  response: ServerResponse,
  done: () => void,
): void {
  const socket = request.socket
  if (response.writableFinished || socket.destroyed) {
    done()
    return
  }
  // A pipelined response still waiting for the socket gets no `close` if the socket closes
  // first (Node drops it); only then is the socket itself watched.
  const queued = response.socket === null
  const finish = (): void => {
    response.off('close', finish)
    if (queued) socket.off('close', finish)
    done()
  }
  response.once('close', finish)
  if (queued) socket.once('close', finish)
}

/**
 * Gives a response that has been written `timeoutMs` to reach the client; if the client has not
 * read it by then, the connection is destroyed, which frees what the response still buffers.
 */
export function abandonIfUnread(
  request: IncomingMessage,
  response: ServerResponse,
  timeoutMs: number,
): void {
  const timer = setTimeout(() => request.socket.destroy(), timeoutMs)
  whenResponseDone(request, response, () => clearTimeout(timer))
}
