/**
 * A tiny agent backend: it offers the model the `anon_coder` tool, receives the model's
 * tool calls, answers each through the sandbox, and prints the tool messages it would send
 * back. The model's turn is a recording (recorded-tool-call.json), so no LLM key is needed.
 *
 *   npx tsx examples/agent-backend/backend.ts
 *
 * In your own project, import from 'tinyagent-sandbox' instead of '../../src/index.js'.
 */
import { readFile } from 'node:fs/promises'
import {
  ANON_CODER,
  anonCoderTool,
  executeAnonCoder,
  loadConfigFile,
  Sandbox,
  SandboxError,
  toOpenAiTool,
} from '../../src/index.js'

interface ToolCall {
  readonly id: string
  readonly function: { readonly name: string; readonly arguments: string }
}

const config = await loadConfigFile(new URL('../../config.yml', import.meta.url).pathname)
const sandbox = await Sandbox.create({ config })
try {
  // 1. What the backend sends the model with each request: the tool, described for this config.
  const tools = [toOpenAiTool(anonCoderTool(config.code_execution))]
  console.log('tools offered to the model:')
  console.log(JSON.stringify(tools, null, 2))

  // 2. The model's answer: tool calls (recorded here).
  const recording = JSON.parse(
    await readFile(new URL('recorded-tool-call.json', import.meta.url), 'utf8'),
  ) as { tool_calls: ToolCall[] }

  // 3. Answer each call; the tool messages go back to the model in the next request.
  for (const call of recording.tool_calls) {
    console.log(`\nmodel calls ${call.function.name} (${call.id})`)
    const content = await answer(call)
    console.log(JSON.stringify({ role: 'tool', tool_call_id: call.id, content }, null, 2))
  }
} finally {
  await sandbox.close()
}

/** Runs one tool call; anything the model got wrong goes back to it as text it can fix. */
async function answer(call: ToolCall): Promise<string> {
  if (call.function.name !== ANON_CODER) return `Unknown tool \`${call.function.name}\`.`
  try {
    const { text } = await executeAnonCoder(sandbox, JSON.parse(call.function.arguments))
    return text
  } catch (error) {
    if (error instanceof SandboxError || error instanceof SyntaxError) return error.message
    throw error
  }
}
