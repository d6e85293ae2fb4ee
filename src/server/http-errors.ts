import { SandboxError, type SandboxErrorCode } from '../errors.js'

/** Every `code` the HTTP API can answer with: the library's, plus those of the HTTP edge. */
export type HttpErrorCode =
  | SandboxErrorCode
  | 'unauthorized'
  | 'invalid_json'
  | 'malformed_request'
  | 'request_timeout'
  | 'headers_too_large'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'not_found'
  | 'rate_limited'
  | 'quota_exceeded'
  | 'idempotency_conflict'
  | 'internal'

/** The one table from error code to HTTP status. */
const STATUS: Record<HttpErrorCode, number> = {
  invalid_argument: 400,
  invalid_json: 400,
  malformed_request: 400,
  unauthorized: 401,
  not_found: 404,
  request_timeout: 408,
  idempotency_conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  headers_too_large: 431,
  rate_limited: 429,
  quota_exceeded: 429,
  queue_full: 429,
  aborted: 499,
  config_invalid: 500,
  internal: 500,
  engine_unavailable: 503,
  image_missing: 503,
  shut_down: 503,
  queue_unavailable: 503,
  deadline_exceeded: 503,
}

/**
 * Messages that would name host details (socket paths, config file locations) are replaced;
 * the server log keeps the original.
 */
const PUBLIC_MESSAGE: Partial<Record<HttpErrorCode, string>> = {
  engine_unavailable: 'The container engine is unreachable; the server log has the details.',
  image_missing:
    'The sandbox image is missing on the server; its operator should run `npx tinyagent-sandbox image build`.',
  config_invalid: 'The server configuration is invalid; the server log has the details.',
  internal: 'Internal error; the server log has the details.',
  queue_unavailable: 'The execution queue is unreachable; the server log has the details.',
}

/** Seconds a client should wait before retrying a 429 or 503, when the server can say. */
const RETRY_AFTER: Partial<Record<HttpErrorCode, number>> = {
  queue_full: 1,
  shut_down: 5,
  queue_unavailable: 5,
  deadline_exceeded: 5,
}

export interface HttpErrorOptions {
  /** The request field at fault, e.g. `limits.memory_mb`. */
  readonly field?: string | undefined
  readonly retryAfterSeconds?: number | undefined
}

export class HttpError extends Error {
  readonly code: HttpErrorCode
  readonly status: number
  readonly field: string | undefined
  readonly retryAfterSeconds: number | undefined

  constructor(code: HttpErrorCode, message: string, options: HttpErrorOptions = {}) {
    super(PUBLIC_MESSAGE[code] ?? message)
    this.name = 'HttpError'
    this.code = code
    this.status = STATUS[code]
    this.field = options.field
    this.retryAfterSeconds = options.retryAfterSeconds ?? RETRY_AFTER[code]
  }

  /** The response body: `{ error: { code, message, field? } }`. */
  toJSON(): { error: { code: HttpErrorCode; message: string; field?: string } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.field === undefined ? {} : { field: this.field }),
      },
    }
  }
}

/** Fastify's and Node's own errors for a request they could not take. */
const FASTIFY_CODES: Record<string, HttpErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_json',
  FST_ERR_BAD_URL: 'malformed_request',
  HPE_HEADER_OVERFLOW: 'headers_too_large',
  ERR_HTTP_REQUEST_TIMEOUT: 'request_timeout',
}

const FASTIFY_MESSAGES: Partial<Record<HttpErrorCode, string>> = {
  payload_too_large:
    'The request body is larger than the server accepts (server.body_limit_bytes).',
  unsupported_media_type: 'Send the request body as JSON, with `Content-Type: application/json`.',
  invalid_json: 'The request body is not valid JSON.',
  malformed_request:
    'The request is not well-formed HTTP, or its URL is not validly percent-encoded.',
  request_timeout: 'The request did not arrive in time.',
  headers_too_large: 'The request headers are larger than the server accepts.',
}

/** Maps anything thrown while answering a request to the error the client sees. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error
  if (error instanceof SandboxError) return new HttpError(error.code, error.message)
  const fastifyCode = FASTIFY_CODES[(error as { code?: string } | null)?.code ?? '']
  if (fastifyCode !== undefined) {
    return new HttpError(fastifyCode, FASTIFY_MESSAGES[fastifyCode] ?? fastifyCode)
  }
  if (error instanceof SyntaxError)
    return new HttpError('invalid_json', FASTIFY_MESSAGES.invalid_json ?? '')
  return new HttpError('internal', 'internal')
}

/**
 * Maps an error of Node's HTTP parser, raised before any request exists (unparseable HTTP,
 * oversized headers), to the error the client sees: never `internal`, as the bytes were theirs.
 */
export function toClientError(error: unknown): HttpError {
  const failure = toHttpError(error)
  if (failure.code !== 'internal') return failure
  return new HttpError('malformed_request', FASTIFY_MESSAGES.malformed_request ?? '')
}
