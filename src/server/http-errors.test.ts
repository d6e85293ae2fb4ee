import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../errors.js'
import { toClientError, toHttpError } from './http-errors.js'

/** The shape Node and Fastify give their errors: an Error with a string `code`. */
const coded = (code: string) => Object.assign(new Error(`raw ${code}`), { code })

describe('toHttpError', () => {
  it('answers a malformed URL as the client error it is, not as an internal one', () => {
    expect(toHttpError(coded('FST_ERR_BAD_URL')).toJSON()).toStrictEqual({
      error: {
        code: 'malformed_request',
        message: 'The request is not well-formed HTTP, or its URL is not validly percent-encoded.',
      },
    })
    expect(toHttpError(coded('FST_ERR_BAD_URL')).status).toBe(400)
  })

  it('keeps anything unknown internal, with a message that names nothing of the host', () => {
    const failure = toHttpError(new TypeError('/work/main/src/x.ts: boom'))
    expect([failure.status, failure.code, failure.message]).toStrictEqual([
      500,
      'internal',
      'Internal error; the server log has the details.',
    ])
  })
})

describe('toClientError', () => {
  it.each([
    ['HPE_HEADER_OVERFLOW', 431, 'headers_too_large'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'request_timeout'],
    ['HPE_INVALID_METHOD', 400, 'malformed_request'],
    ['HPE_INVALID_CONTENT_LENGTH', 400, 'malformed_request'],
    ['HPE_UNEXPECTED_CONTENT_LENGTH', 400, 'malformed_request'],
  ])("answers Node's parser error %s with %i `%s`", (nodeCode, status, code) => {
    const failure = toClientError(coded(nodeCode))
    expect([failure.status, failure.code]).toStrictEqual([status, code])
    expect(failure.message).not.toContain(nodeCode)
  })

  it('passes our own errors through unchanged', () => {
    expect(toClientError(new InvalidArgumentError('Invalid `code`: x')).toJSON()).toStrictEqual({
      error: { code: 'invalid_argument', message: 'Invalid `code`: x' },
    })
  })
})
