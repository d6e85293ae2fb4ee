import { describe, expect, it } from 'vitest'
import { configSchema } from '../config/schema.js'
import { InvalidArgumentError } from '../errors.js'
import { parseAnonCoderInput } from './anon-coder-input.js'
import { anonCoderTool, toAnthropicTool, toOpenAiTool } from './tool-definition.js'

const settings = (input: object) => configSchema.parse({ code_execution: input }).code_execution

describe('anonCoderTool', () => {
  it('has tinyAgent parameters as a JSON Schema that refuses other fields', () => {
    expect(anonCoderTool(settings({})).inputSchema).toStrictEqual({
      type: 'object',
      properties: {
        code: {
          type: 'string',
          description:
            'Python 3 source to run as a script. Print what you need to see: only stdout and stderr come back.',
        },
        timeout: {
          type: 'number',
          exclusiveMinimum: 0,
          description:
            'Optional wall-clock limit in seconds; it can only lower the configured limit.',
        },
      },
      required: ['code'],
      additionalProperties: false,
    })
  })

  it('describes what the active config allows', () => {
    const strict = anonCoderTool(settings({})).description
    expect(strict).toContain('File access (open()) is not allowed.')
    expect(strict).toContain('use of the `os` module')
    expect(strict).toContain(
      'Limits: 10 s wall clock, 256 MB memory, no network, nothing kept between calls.',
    )
    const loose = anonCoderTool(
      settings({
        allowed_operations: { os_operations: true, file_operations: true, imports: ['pathlib'] },
      }),
    ).description
    expect(loose).toContain('numpy, pandas, pathlib, os; any other import is refused.')
    expect(loose).not.toContain('use of the `os` module')
    expect(loose).not.toContain('use of the builtin `open`')
    expect(anonCoderTool(settings({ allow_dangerous_operations: true })).description).toContain(
      'Any import and operation is allowed (the static policy is off)',
    )
  })

  it('renders the OpenAI and Anthropic tool shapes from one definition', () => {
    const tool = anonCoderTool(settings({}))
    expect(toOpenAiTool(tool)).toStrictEqual({
      type: 'function',
      function: { name: 'anon_coder', description: tool.description, parameters: tool.inputSchema },
    })
    expect(toAnthropicTool(tool)).toStrictEqual({
      name: 'anon_coder',
      description: tool.description,
      input_schema: tool.inputSchema,
    })
  })
})

describe('parseAnonCoderInput', () => {
  it('refuses wrong arguments naming the field', () => {
    const message = (args: unknown): string => {
      try {
        parseAnonCoderInput(args)
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidArgumentError)
        return (error as Error).message
      }
      return 'accepted'
    }
    expect(message({ code: 'print(1)', timeout: 2 })).toBe('accepted')
    expect(message({ timeout: 2 })).toBe('Invalid `code`: expected a string, got nothing')
    expect(message({ code: 'x', timeout: -1 })).toBe(
      'Invalid `timeout`: expected a value > 0, got number -1',
    )
    expect(message({ code: 'x', language: 'py' })).toBe(
      'Invalid `language`: unknown key; expected one of: code, timeout',
    )
  })
})
