import { z } from 'zod'
import type { CodeExecutionConfig } from '../config/schema.js'
import { ANON_CODER, anonCoderInputSchema } from './anon-coder-input.js'
import { describePolicy } from './describe-policy.js'

/** A tool as function-calling APIs describe it: a name, a description and a JSON Schema. */
export interface ToolDefinition {
  readonly name: string
  readonly description: string
  /** JSON Schema (draft 2020-12) of the arguments object. */
  readonly inputSchema: Record<string, unknown>
}

/** The `anon_coder` tool under the given config; the description lists what that config allows. */
export function anonCoderTool(settings: CodeExecutionConfig): ToolDefinition {
  const { $schema: _dialect, ...inputSchema } = z.toJSONSchema(anonCoderInputSchema, {
    io: 'input',
  })
  return {
    name: ANON_CODER,
    description: `Runs Python 3 code in a fresh, isolated sandbox and returns stdout, stderr, the status (ok, error, policy_violation, timeout, memory_limit, output_limit) and any policy violations.\n${describePolicy(settings)}`,
    inputSchema,
  }
}

/** OpenAI's Chat Completions `tools` entry. */
export function toOpenAiTool(tool: ToolDefinition): {
  type: 'function'
  function: { name: string; description: string; parameters: Record<string, unknown> }
} {
  return {
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.inputSchema },
  }
}

/** Anthropic's Messages API `tools` entry. */
export function toAnthropicTool(tool: ToolDefinition): {
  name: string
  description: string
  input_schema: Record<string, unknown>
} {
  return { name: tool.name, description: tool.description, input_schema: tool.inputSchema }
}
