import { describe, expect, it } from 'vitest'
import { configSchema } from '../config/schema.js'
import { InvalidArgumentError } from '../errors.js'
import { parseExecutionBody } from '../server/execution-body.js'
import { HttpError } from '../server/http-errors.js'
import { parseAnonCoderInput } from '../tool/anon-coder-input.js'
import { validateRequest } from './execute-request.js'

const settings = configSchema.parse({}).code_execution

/** The message each surface refuses `input` with. */
function messages(input: Record<string, unknown>): { library: string; http: string; tool: string } {
  return {
    library: refusal(() => validateRequest(input, settings), InvalidArgumentError),
    http: refusal(() => parseExecutionBody(input), HttpError),
    tool: refusal(() => parseAnonCoderInput(input), InvalidArgumentError),
  }
}

function refusal(call: () => unknown, kind: new (...args: never[]) => Error): string {
  try {
    call()
  } catch (error) {
    expect(error).toBeInstanceOf(kind)
    return (error as Error).message
  }
  throw new Error('expected a refusal')
}

describe('request validation messages', () => {
  it('are the same from the library, the HTTP API and the tool for the same bad value', () => {
    const message = 'Invalid `code`: expected a string, got number 5'
    expect(messages({ code: 5 })).toStrictEqual({ library: message, http: message, tool: message })
  })

  it('are the same for an unknown key, each listing the keys its own schema accepts', () => {
    const expected = (keys: string) => `Invalid \`language\`: unknown key; expected one of: ${keys}`
    expect(messages({ code: 'x', language: 'py' })).toStrictEqual({
      library: expected('code, setupCode, timeoutSeconds, limits, files'),
      http: expected('code, setupCode, timeoutSeconds, limits, files'),
      tool: expected('code, timeout, setup_code'),
    })
  })

  it('name an unknown nested key in JSON terms, the same from the library and HTTP', () => {
    const { library, http } = messages({ code: 'x', limits: { memory: 1 } })
    expect(library).toBe(http)
    expect(library).toMatch(/^Invalid `limits\.memory`: unknown key; expected one of: memory_mb, /)
    const object = messages({ code: 'x', limits: [] })
    expect(object.library).toBe('Invalid `limits`: expected an object, got an array')
    expect(object.http).toBe(object.library)
  })

  it('give the HTTP API the field at fault', () => {
    try {
      parseExecutionBody({ code: 'x', limits: { memory: 1 } })
    } catch (error) {
      expect((error as HttpError).field).toBe('limits.memory')
    }
    expect.assertions(1)
  })
})
