import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import {
  CallToolRequestSchema,
  type CallToolResult,
  ListToolsRequestSchema,
  type ListToolsResult,
} from '@modelcontextprotocol/sdk/types.js'
import { SandboxError } from '../errors.js'
import type { Executor } from '../sandbox/executor.js'
import { executeAnonCoder } from '../tool/execute-anon-coder.js'
import { anonCoderTool } from '../tool/tool-definition.js'
import { outputProgress } from './output-progress.js'
import { structuredResult, structuredResultJsonSchema } from './structured-result.js'
import { anonCoderAnnotations } from './tool-annotations.js'

export interface McpServerOptions {
  readonly executor: Executor
  /** @default '0.0.0' */
  readonly version?: string
  /**
   * Errors besides `SandboxError` that refuse a call rather than fail it: answered as a tool
   * error (`code: message`) the model can read, like a full queue. The HTTP transport's
   * quota refusals are such errors.
   * @default none
   */
  readonly isRefusal?: (error: unknown) => error is Error & { readonly code: string }
}

/**
 * An MCP server with one tool, `anon_coder`, whose description lists what the executor's
 * config allows. What the code did is always a text result the model can read; a refused
 * request (bad or unknown arguments, full queue, shutting down) is a tool error with the reason.
 * Beside the text, a result carries its fields as `structuredContent` for programs, described
 * by the listed `outputSchema`; the annotations say what the config lets the code change.
 *
 * The tool is served by our own handlers, not the SDK's `registerTool`: that one wraps the
 * parameters in an object schema that drops unknown arguments without a word (a
 * `setup_code` the policy would refuse came back `ok`). Here the arguments reach
 * `executeAnonCoder` as sent and are checked there, strictly, with the messages every
 * surface uses; and the listed schema is the one function-calling APIs get.
 */
export function createMcpServer(options: McpServerOptions): McpServer {
  const { executor, isRefusal } = options
  const server = new McpServer({ name: 'tinyagent-sandbox', version: options.version ?? '0.0.0' })
  const settings = executor.config.code_execution
  const tool = anonCoderTool(settings)
  server.server.registerCapabilities({ tools: {} })
  server.server.setRequestHandler(
    ListToolsRequestSchema,
    (): ListToolsResult => ({
      tools: [
        {
          name: tool.name,
          description: tool.description,
          inputSchema: tool.inputSchema as ListToolsResult['tools'][number]['inputSchema'],
          outputSchema: structuredResultJsonSchema(),
          annotations: anonCoderAnnotations(settings),
        },
      ],
    }),
  )
  server.server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    if (request.params.name !== tool.name) {
      return toolError(`Unknown tool \`${request.params.name}\`; this server has \`${tool.name}\`.`)
    }
    try {
      // A client that sent a progressToken gets the code's output as it is written.
      const token = extra._meta?.progressToken
      const progress =
        token === undefined
          ? undefined
          : outputProgress(token, (notification) => extra.sendNotification(notification))
      const { text, result } = await executeAnonCoder(executor, request.params.arguments ?? {}, {
        signal: extra.signal,
        ...(progress === undefined ? {} : { onOutput: progress.onOutput }),
      }).finally(() => progress?.flush())
      // Charts go to the model as images, beside the text.
      const images = result.artifacts.map((chart) => ({
        type: 'image' as const,
        data: chart.base64,
        mimeType: chart.type,
      }))
      return {
        content: [{ type: 'text', text }, ...images],
        structuredContent: structuredResult(result),
        isError: result.status !== 'ok',
      }
    } catch (error) {
      if (error instanceof SandboxError || isRefusal?.(error)) {
        return toolError(`${error.code}: ${error.message}`)
      }
      throw error
    }
  })
  return server
}

function toolError(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true }
}
