import { z } from 'zod'
import type { CodeExecutionConfig } from '../config/schema.js'
import { ANON_CODER, anonCoderInputSchema } from './anon-coder-input.js'
import { describePolicy } from './describe-policy.js'

/**
 * A JSON Schema (draft 2020-12) for an arguments object, as every function-calling API takes
 * it: the root is an object, its properties listed, no other properties allowed.
 */
export type ObjectJsonSchema = {
  readonly type: 'object'
  readonly properties: Record<string, Record<string, unknown>>
  readonly required: string[]
  readonly additionalProperties: false
  readonly [keyword: string]: unknown
}

/** A tool as function-calling APIs describe it: a name, a description and a JSON Schema. */
export interface ToolDefinition {
  readonly name: string
  readonly description: string
  /** JSON Schema (draft 2020-12) of the arguments object; optional fields are left out of `required`. */
  readonly inputSchema: ObjectJsonSchema
}

export interface OpenAiToolOptions {
  /**
   * OpenAI's strict mode (Structured Outputs): the model's arguments always match the schema.
   * The schema is rewritten as strict mode needs it: every property required, the optional
   * ones nullable. The model then sends `null` for a field it leaves out: pass its arguments
   * through {@link fromStrictArguments} before checking them.
   */
  readonly strict?: boolean
}

/** OpenAI's Chat Completions `tools` entry (`ChatCompletionFunctionTool`). */
export interface OpenAiChatTool {
  type: 'function'
  function: {
    name: string
    description: string
    parameters: ObjectJsonSchema
    strict?: boolean
  }
}

/** OpenAI's Responses API `tools` entry (`FunctionTool`). */
export interface OpenAiResponsesTool {
  type: 'function'
  name: string
  description: string
  parameters: ObjectJsonSchema
  strict: boolean
}

/** Anthropic's Messages API `tools` entry (`Anthropic.Messages.Tool`). */
export interface AnthropicTool {
  name: string
  description: string
  input_schema: ObjectJsonSchema
}

/** The `anon_coder` tool under the given config; the description lists what that config allows. */
export function anonCoderTool(settings: CodeExecutionConfig): ToolDefinition {
  return {
    name: ANON_CODER,
    description: `Runs Python 3 code in a fresh, isolated sandbox and returns stdout, stderr, the status (ok, error, policy_violation, timeout, memory_limit, output_limit) and any policy violations.\n${describePolicy(settings)}`,
    inputSchema: anonCoderInputJsonSchema(),
  }
}

/**
 * OpenAI's Chat Completions `tools` entry.
 * @param options.strict @default false (the API's own default)
 */
export function toOpenAiTool(
  tool: ToolDefinition,
  options: OpenAiToolOptions = {},
): OpenAiChatTool {
  const { name, description } = tool
  if (options.strict !== true) {
    return { type: 'function', function: { name, description, parameters: tool.inputSchema } }
  }
  return {
    type: 'function',
    function: { name, description, parameters: toStrictSchema(tool.inputSchema), strict: true },
  }
}

/**
 * OpenAI's Responses API `tools` entry.
 * @param options.strict @default true (the Responses API's own default)
 */
export function toOpenAiResponsesTool(
  tool: ToolDefinition,
  options: OpenAiToolOptions = {},
): OpenAiResponsesTool {
  const strict = options.strict ?? true
  const parameters = strict ? toStrictSchema(tool.inputSchema) : tool.inputSchema
  return { type: 'function', name: tool.name, description: tool.description, parameters, strict }
}

/** Anthropic's Messages API `tools` entry. */
export function toAnthropicTool(tool: ToolDefinition): AnthropicTool {
  return { name: tool.name, description: tool.description, input_schema: tool.inputSchema }
}

/**
 * A strict-mode tool call's arguments as the tool's own schema takes them: the `null` the
 * model sends for an optional `anon_coder` field it leaves out is dropped. Anything else,
 * including a `null` for a required field, is passed on for the schema to refuse.
 */
export function fromStrictArguments(args: unknown): unknown {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return args
  const optional = optionalKeys(anonCoderInputJsonSchema())
  return Object.fromEntries(
    Object.entries(args).filter(([key, value]) => !(value === null && optional.has(key))),
  )
}

function anonCoderInputJsonSchema(): ObjectJsonSchema {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(anonCoderInputSchema, { io: 'input' })
  return asObjectSchema(schema, 'anon_coder input')
}

/**
 * Rewrites an object schema as OpenAI's strict mode takes it: every property required, the
 * optional ones also accepting `null`, no other properties; nested objects alike.
 */
function toStrictSchema(schema: ObjectJsonSchema): ObjectJsonSchema {
  const optional = optionalKeys(schema)
  const properties = Object.fromEntries(
    Object.entries(schema.properties).map(([key, property]) => {
      const strict = strictProperty(property)
      return [key, optional.has(key) ? nullable(strict) : strict]
    }),
  )
  return { ...schema, properties, required: Object.keys(properties), additionalProperties: false }
}

function strictProperty(property: Record<string, unknown>): Record<string, unknown> {
  if (property.type === 'object' && isRecord(property.properties)) {
    return toStrictSchema(asObjectSchema(property, 'a nested object'))
  }
  if (property.type === 'array' && isRecord(property.items)) {
    return { ...property, items: strictProperty(property.items) }
  }
  return property
}

function nullable(property: Record<string, unknown>): Record<string, unknown> {
  const { type } = property
  if (typeof type === 'string') return { ...property, type: [type, 'null'] }
  if (Array.isArray(type))
    return type.includes('null') ? property : { ...property, type: [...type, 'null'] }
  const { description, ...rest } = property
  return {
    ...(description === undefined ? {} : { description }),
    anyOf: [rest, { type: 'null' }],
  }
}

function optionalKeys(schema: ObjectJsonSchema): Set<string> {
  return new Set(Object.keys(schema.properties).filter((key) => !schema.required.includes(key)))
}

function asObjectSchema(schema: Record<string, unknown>, what: string): ObjectJsonSchema {
  const { type, properties, required = [], additionalProperties } = schema
  if (type !== 'object' || !isRecord(properties) || additionalProperties !== false) {
    throw new TypeError(
      `Expected the ${what} schema to be a closed object (additionalProperties: false), got ${JSON.stringify(schema)}`,
    )
  }
  return {
    ...schema,
    type,
    properties: properties as Record<string, Record<string, unknown>>,
    required: [...(required as string[])],
    additionalProperties,
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
