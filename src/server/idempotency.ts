import { createHash } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { canonicalJson } from '../config/config-digest.js'
import type { ExecutionResult } from '../sandbox/execution-result.js'
import { HttpError, type HttpErrorCode } from './http-errors.js'

/** The request header that makes a repeat answer with the first answer instead of running again. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key'
/** Set (`true`) on an answer that is a stored first answer, not a new run. */
export const REPLAYED_HEADER = 'Idempotent-Replayed'

const KEY = /^[A-Za-z0-9._:-]{1,200}$/

/** The request's `Idempotency-Key`, or undefined without one; a malformed one is a 400. */
export function idempotencyKey(headers: IncomingHttpHeaders): string | undefined {
  const value = headers['idempotency-key']
  if (value === undefined) return undefined
  // Node joins a repeated header with ", ", which the pattern refuses.
  if (typeof value !== 'string' || !KEY.test(value)) {
    throw new HttpError(
      'invalid_argument',
      `Invalid \`${IDEMPOTENCY_KEY_HEADER}\` header: expected 1 to 200 characters of A-Z, a-z, 0-9, \`.\`, \`_\`, \`:\` and \`-\`, such as a UUID.`,
      { field: IDEMPOTENCY_KEY_HEADER },
    )
  }
  return value
}

/**
 * sha256 of the body as canonical JSON (keys sorted), so key order and spacing do not make
 * two requests differ. `?stream=` is not part of it: a JSON retry of a streamed request is
 * the same request.
 */
export function requestDigest(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex')
}

/** The first request's answer, as a repeat gets it back. */
export type StoredAnswer =
  | { readonly result: ExecutionResult }
  | { readonly error: { readonly code: HttpErrorCode; readonly message: string } }

/**
 * Whether an error can come after the code may have started: then it is the answer a repeat
 * gets. The others say nothing ran (a bad request, no room, no queue), so the key is given
 * back and a retry runs. A `Record`, so a new code must be placed here to compile.
 */
const MAY_HAVE_RUN: Record<HttpErrorCode, boolean> = {
  aborted: true,
  shut_down: true,
  engine_unavailable: true,
  internal: true,
  image_missing: false,
  config_invalid: false,
  invalid_argument: false,
  queue_full: false,
  queue_unavailable: false,
  deadline_exceeded: false,
  rate_limited: false,
  quota_exceeded: false,
  idempotency_conflict: false,
  invalid_json: false,
  malformed_request: false,
  request_timeout: false,
  headers_too_large: false,
  unsupported_media_type: false,
  payload_too_large: false,
  unauthorized: false,
  not_found: false,
}

/** The answer to keep for an execution that failed, or undefined when nothing ran. */
export function storedError(error: HttpError): StoredAnswer | undefined {
  if (!MAY_HAVE_RUN[error.code]) return undefined
  return { error: { code: error.code, message: error.message } }
}

export interface ClaimRequest {
  /** Who asks (`request.client`): keys are scoped to their API key. */
  readonly client: string
  readonly key: string
  /** `requestDigest(body)`: a repeat with another body is a conflict. */
  readonly digest: string
  /** How long a repeat waits for a first request still running, before it is answered `busy`. */
  readonly waitMs: number
  /** Aborts the wait (the client hung up); the claim then rejects with `AbortedError`. */
  readonly signal?: AbortSignal
}

/** What a request with a key is to do. */
export type Claim =
  /** The first: run, then `finish` or `release` the lease. */
  | { readonly kind: 'lease'; readonly lease: IdempotencyLease }
  /** A repeat: answer with the first answer. */
  | { readonly kind: 'replay'; readonly answer: StoredAnswer }
  /** The key was used with another body. */
  | { readonly kind: 'conflict' }
  /** The first request still runs after `waitMs`. */
  | { readonly kind: 'busy' }

/** The first request's hold on its key. Neither method rejects: a store failure is logged. */
export interface IdempotencyLease {
  /** Keeps `answer` for repeats, for the store's TTL; wakes the repeats waiting. */
  finish(answer: StoredAnswer): Promise<void>
  /** Gives the key back unanswered (nothing ran): the next request with it runs. */
  release(): Promise<void>
}

/**
 * First answers by (client, key): in this process (`MemoryIdempotencyStore`), or in the
 * queue's Redis for every API node (`RedisIdempotencyStore`).
 */
export interface IdempotencyStore {
  claim(request: ClaimRequest): Promise<Claim>
  close(): Promise<void>
}
