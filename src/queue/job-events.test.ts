import { describe, expect, it } from 'vitest'
import { configSchema } from '../config/schema.js'
import { QueueFullError, SANDBOX_ERROR_CODES } from '../errors.js'
import type { ExecutionResult } from '../sandbox/execution-result.js'
import { buildReceipt } from '../sandbox/receipt.js'
import { decodeEvent, encodeError, encodeOutput, encodeResult } from './job-events.js'

const ID = '11111111-1111-4111-8111-111111111111'
const settings = configSchema.parse({}).code_execution

const result: ExecutionResult = {
  id: ID,
  status: 'error',
  exitCode: 1,
  stdout: 'partly\n',
  stderr: 'Traceback …\n',
  truncated: false,
  durationMs: 321,
  violations: [],
  error: { name: 'ZeroDivisionError', value: 'division by zero', traceback: 'line 1' },
  message: 'The code raised ZeroDivisionError.',
  files: [],
  filesTruncated: false,
  runtime: 'runc',
  result: null,
  artifacts: [],
  artifactsTruncated: false,
  node: 'worker-1',
  receipt: buildReceipt({
    code: '1/0',
    settings,
    imageId: 'sha256:abc',
    runtime: 'runc',
    timeoutSeconds: 10,
    limits: settings.limits,
  }),
}

/** As the fields come back from XREAD: every one a Buffer. */
function overRedis(fields: readonly (string | Buffer)[]): Buffer[] {
  return fields.map((field) => (typeof field === 'string' ? Buffer.from(field, 'utf8') : field))
}

describe('job events', () => {
  it('carries an output chunk byte for byte', () => {
    const chunk = Buffer.from([0xff, 0x00, 0x0a, 0xe2, 0x82])
    const event = decodeEvent(overRedis(encodeOutput('stderr', chunk)), ID)
    expect(event).toEqual({ type: 'output', stream: 'stderr', chunk })
  })

  it('carries a result unchanged', () => {
    const event = decodeEvent(overRedis(encodeResult(result)), ID)
    expect(event).toEqual({ type: 'result', result })
  })

  it('carries an error as its code and message', () => {
    const error = new QueueFullError(3)
    const event = decodeEvent(overRedis(encodeError(error)), ID)
    expect(event).toEqual({ type: 'error', code: 'queue_full', message: error.message })
  })

  it('refuses a result for another execution', () => {
    const other = { ...result, id: '22222222-2222-4222-8222-222222222222' }
    expect(() => decodeEvent(overRedis(encodeResult(other)), ID)).toThrow(
      `a result for ${other.id}, not ${ID}`,
    )
  })

  it('refuses an event of unknown type', () => {
    expect(() => decodeEvent(overRedis(['t', 'progress', 'd', '{}']), ID)).toThrow(
      'an event of unknown type "progress"',
    )
  })

  it('refuses an event without data, and an output chunk without its stream', () => {
    expect(() => decodeEvent(overRedis(['t', 'result']), ID)).toThrow('an event without data')
    expect(() => decodeEvent(overRedis(['t', 'output', 'd', 'x']), ID)).toThrow(
      'an output event without stream',
    )
  })

  it('refuses malformed JSON', () => {
    expect(() => decodeEvent(overRedis(['t', 'result', 'd', '{"id":']), ID)).toThrow(SyntaxError)
    expect(() => decodeEvent(overRedis(['t', 'error', 'd', 'not json']), ID)).toThrow(SyntaxError)
  })

  it('refuses a result missing a field every consumer relies on', () => {
    const { status: _status, ...partial } = result
    expect(() =>
      decodeEvent(overRedis(['t', 'result', 'd', JSON.stringify(partial)]), ID),
    ).toThrow()
  })

  it('refuses an error code that is not one of ours', () => {
    expect(SANDBOX_ERROR_CODES).not.toContain('worker_exploded')
    const fields = ['t', 'error', 'd', JSON.stringify({ code: 'worker_exploded', message: 'x' })]
    expect(() => decodeEvent(overRedis(fields), ID)).toThrow()
  })
})
