import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { SandboxError } from '../errors.js'
import type { Executor } from '../sandbox/executor.js'
import { ANON_CODER, anonCoderInputSchema } from '../tool/anon-coder-input.js'
import { executeAnonCoder } from '../tool/execute-anon-coder.js'
import { anonCoderTool } from '../tool/tool-definition.js'
import { outputProgress } from './output-progress.js'

export interface McpServerOptions {
  readonly executor: Executor
  /** @default '0.0.0' */
  readonly version?: string
}

/**
 * An MCP server with one tool, `anon_coder`, whose description lists what the executor's
 * config allows. What the code did is always a text result the model can read; a refused
 * request (bad arguments, full queue, shutting down) is a tool error with the reason.
 */
export function createMcpServer(options: McpServerOptions): McpServer {
  const { executor } = options
  const server = new McpServer({ name: 'tinyagent-sandbox', version: options.version ?? '0.0.0' })
  server.registerTool(
    ANON_CODER,
    {
      description: anonCoderTool(executor.config.code_execution).description,
      inputSchema: anonCoderInputSchema.shape,
      annotations: { readOnlyHint: true, openWorldHint: false, idempotentHint: false },
    },
    async (args, extra): Promise<CallToolResult> => {
      try {
        // A client that sent a progressToken gets the code's output as it is written.
        const token = extra._meta?.progressToken
        const progress =
          token === undefined
            ? undefined
            : outputProgress(token, (notification) => extra.sendNotification(notification))
        const { text, result } = await executeAnonCoder(executor, args, {
          signal: extra.signal,
          ...(progress === undefined ? {} : { onOutput: progress.onOutput }),
        }).finally(() => progress?.flush())
        // Charts go to the model as images, beside the text.
        const images = result.artifacts.map((chart) => ({
          type: 'image' as const,
          data: chart.base64,
          mimeType: chart.type,
        }))
        return { content: [{ type: 'text', text }, ...images], isError: result.status !== 'ok' }
      } catch (error) {
        if (!(error instanceof SandboxError)) throw error
        return {
          content: [{ type: 'text', text: `${error.code}: ${error.message}` }],
          isError: true,
        }
      }
    },
  )
  return server
}
