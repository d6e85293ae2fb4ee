import { z } from 'zod'
import { HttpError, type HttpErrorCode } from './http-errors.js'

/** Every `code` the HTTP API answers with; `satisfies` fails the type check when one is missing. */
const CODES = {
  invalid_argument: true,
  invalid_json: true,
  malformed_request: true,
  unauthorized: true,
  not_found: true,
  request_timeout: true,
  payload_too_large: true,
  unsupported_media_type: true,
  headers_too_large: true,
  rate_limited: true,
  quota_exceeded: true,
  queue_full: true,
  aborted: true,
  config_invalid: true,
  internal: true,
  engine_unavailable: true,
  image_missing: true,
  shut_down: true,
  queue_unavailable: true,
  deadline_exceeded: true,
  idempotency_conflict: true,
} as const satisfies Record<HttpErrorCode, true>

export const HTTP_ERROR_CODES = Object.keys(CODES) as HttpErrorCode[]

/** The HTTP status of an error code, from the one table in http-errors.ts. */
export function statusOf(code: HttpErrorCode): number {
  return new HttpError(code, code).status
}

/** Every error answer, and the `error` event of a stream: `HttpError.toJSON()`. */
export const errorBodySchema = z
  .strictObject({
    error: z.strictObject({
      code: z.enum(HTTP_ERROR_CODES).describe('Stable and machine-readable; branch on this.'),
      message: z
        .string()
        .describe('For a person: what was wrong and how to fix it; never host details.'),
      field: z
        .string()
        .exactOptional()
        .describe('The request field at fault (e.g. `limits.memory_mb`), when there is one.'),
    }),
  })
  .describe('An error: `{ error: { code, message, field? } }`.')

/** The data of a stream's `stdout` and `stderr` events. */
export const outputChunkSchema = z
  .strictObject({
    text: z.string().describe('The next piece of the stream, as the code wrote it (UTF-8).'),
  })
  .describe('A piece of stdout or stderr, sent as the code writes it.')

export const healthSchema = z.strictObject({ status: z.literal('ok') })
export const readinessSchema = z.strictObject({ status: z.literal('ready') })
