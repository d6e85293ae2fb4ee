import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { validateInputTools } from 'openai/lib/parser'
import { toStrictJsonSchema } from 'openai/lib/transform'
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionFunctionTool,
  ChatCompletionTool,
} from 'openai/resources/chat/completions'
import type {
  FunctionTool,
  ResponseCreateParamsNonStreaming,
} from 'openai/resources/responses/responses'
import { describe, expect, it } from 'vitest'
import { configSchema } from '../config/schema.js'
import { InvalidArgumentError } from '../errors.js'
import { anonCoderInputSchema, parseAnonCoderInput } from './anon-coder-input.js'
import {
  anonCoderTool,
  fromStrictArguments,
  toAnthropicTool,
  toOpenAiResponsesTool,
  toOpenAiTool,
} from './tool-definition.js'

const settings = (input: object) => configSchema.parse({ code_execution: input }).code_execution

const CODE = {
  type: 'string',
  description:
    'Python 3 source to run as a script. Print what you need to see: only stdout and stderr come back.',
}
const TIMEOUT_DESCRIPTION =
  'Optional wall-clock limit in seconds; it can only lower the configured limit.'

describe('anonCoderTool', () => {
  it('has tinyAgent parameters as a JSON Schema that refuses other fields', () => {
    const schema = anonCoderTool(settings({})).inputSchema
    expect(schema).toMatchObject({
      type: 'object',
      required: ['code'],
      additionalProperties: false,
    })
    expect(Object.keys(schema.properties)).toStrictEqual(Object.keys(anonCoderInputSchema.shape))
    expect(schema.properties.code).toStrictEqual(CODE)
    expect(schema.properties.timeout).toStrictEqual({
      type: 'number',
      exclusiveMinimum: 0,
      description: TIMEOUT_DESCRIPTION,
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
})

describe('the wire shapes', () => {
  const tool = anonCoderTool(settings({}))

  it('renders the OpenAI and Anthropic tool shapes from one definition', () => {
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

  it('are the SDKs own types: a wrong shape fails tsc', () => {
    // Each assignment is the check; `tsc --noEmit` covers this file.
    const chat: ChatCompletionTool = toOpenAiTool(tool)
    const chatStrict: ChatCompletionFunctionTool = toOpenAiTool(tool, { strict: true })
    const responses: FunctionTool = toOpenAiResponsesTool(tool)
    const anthropic: Anthropic.Messages.Tool = toAnthropicTool(tool)
    const anthropicTools: Anthropic.Messages.ToolUnion[] = [toAnthropicTool(tool)]
    expect(anthropic.input_schema.type).toBe('object')
    expect([chat, chatStrict, responses, ...anthropicTools]).toHaveLength(4)
  })

  it('in strict mode requires every field, makes the optional ones nullable, as OpenAI needs', () => {
    const parameters = toOpenAiTool(tool, { strict: true }).function.parameters
    const keys = Object.keys(anonCoderInputSchema.shape)
    expect(parameters).toMatchObject({
      type: 'object',
      required: keys,
      additionalProperties: false,
    })
    expect(parameters.properties.code).toStrictEqual(CODE)
    expect(parameters.properties.timeout).toStrictEqual({
      type: ['number', 'null'],
      exclusiveMinimum: 0,
      description: TIMEOUT_DESCRIPTION,
    })
    for (const key of keys.filter((key) => !tool.inputSchema.required.includes(key))) {
      expect(parameters.properties[key]?.type, key).toContain('null')
    }
    expect(toOpenAiResponsesTool(tool)).toStrictEqual({
      type: 'function',
      name: 'anon_coder',
      description: tool.description,
      parameters,
      strict: true,
    })
    expect(toOpenAiResponsesTool(tool, { strict: false })).toMatchObject({
      parameters: tool.inputSchema,
      strict: false,
    })
  })

  it("passes the openai SDK's own strict-schema check unchanged, where the loose schema fails it", () => {
    const strict = toOpenAiTool(tool, { strict: true })
    expect(toStrictJsonSchema(strict.function.parameters)).toStrictEqual(strict.function.parameters)
    expect(() => validateInputTools([strict])).not.toThrow()
    expect(() => toStrictJsonSchema(tool.inputSchema)).toThrow(
      'Schema field at `properties/timeout` uses `.optional()` without `.nullable()`',
    )
    expect(() => validateInputTools([toOpenAiTool(tool)])).toThrow(
      'is not marked with `strict: true`',
    )
  })

  it('goes through the openai client, whose parsed strict arguments the tool then accepts', async () => {
    const sent: unknown[] = []
    const client = new OpenAI({ apiKey: 'test', fetch: answering(sent, chatCompletion()) })
    const params: ChatCompletionCreateParamsNonStreaming = {
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'print 1' }],
      tools: [toOpenAiTool(tool, { strict: true })],
    }
    const completion = await client.chat.completions.parse(params)
    expect(sent).toStrictEqual([{ ...params, tools: [toOpenAiTool(tool, { strict: true })] }])
    const call = completion.choices[0]?.message.tool_calls?.[0]
    if (call?.type !== 'function') throw new Error('expected a function tool call')
    expect(call.function.parsed_arguments).toStrictEqual({ code: 'print(1)', timeout: null })
    expect(() => parseAnonCoderInput(call.function.parsed_arguments)).toThrow(InvalidArgumentError)
    expect(parseAnonCoderInput(fromStrictArguments(call.function.parsed_arguments))).toStrictEqual({
      code: 'print(1)',
    })
  })

  it('goes through the openai Responses and the anthropic clients as sent', async () => {
    const sent: unknown[] = []
    const responses: ResponseCreateParamsNonStreaming = {
      model: 'gpt-test',
      input: 'print 1',
      tools: [toOpenAiResponsesTool(tool)],
    }
    await new OpenAI({ apiKey: 'test', fetch: answering(sent, {}) }).responses.create(responses)
    const messages: Anthropic.Messages.MessageCreateParamsNonStreaming = {
      model: 'claude-test',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'print 1' }],
      tools: [toAnthropicTool(tool)],
    }
    await new Anthropic({ apiKey: 'test', fetch: answering(sent, {}) }).messages.create(messages)
    expect(sent).toStrictEqual([responses, messages])
  })
})

describe('fromStrictArguments', () => {
  it('drops the null of an optional field and nothing else', () => {
    expect(fromStrictArguments({ code: 'x', timeout: null })).toStrictEqual({ code: 'x' })
    expect(fromStrictArguments({ code: 'x', timeout: 2 })).toStrictEqual({ code: 'x', timeout: 2 })
    expect(fromStrictArguments({ code: null, timeout: null })).toStrictEqual({ code: null })
    expect(fromStrictArguments({ code: 'x', other: null })).toStrictEqual({
      code: 'x',
      other: null,
    })
    expect(fromStrictArguments('x')).toBe('x')
    expect(fromStrictArguments(null)).toBe(null)
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
    expect(message({ code: 'x', language: 'py' })).toMatch(
      /^Invalid `language`: unknown key; expected one of: code, timeout/,
    )
  })
})

/** A `fetch` for the SDK clients: records each request body and answers with `body`. */
function answering(sent: unknown[], body: unknown): typeof fetch {
  return async (_url, init) => {
    sent.push(JSON.parse(String(init?.body)))
    return new Response(JSON.stringify(body), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    })
  }
}

/** What OpenAI answers when the model calls the tool in strict mode, leaving `timeout` out. */
function chatCompletion(): OpenAI.Chat.Completions.ChatCompletion {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 0,
    model: 'gpt-test',
    choices: [
      {
        index: 0,
        finish_reason: 'tool_calls',
        logprobs: null,
        message: {
          role: 'assistant',
          content: null,
          refusal: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'anon_coder', arguments: '{"code":"print(1)","timeout":null}' },
            },
          ],
        },
      },
    ],
  }
}
