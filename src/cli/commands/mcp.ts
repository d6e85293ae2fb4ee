import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { createMcpServer } from '../../mcp/mcp-server.js'
import { loadContext } from '../cli-context.js'
import { createExecutor } from '../create-executor.js'
import { EXIT } from '../exit-codes.js'
import { packageVersion } from '../package-version.js'
import type { ParsedCommand } from '../parse-command.js'
import { FATAL_GRACE_MS, installProcessGuards } from '../process-guards.js'
import { nextSignal } from '../signals.js'

/**
 * `mcp`: an MCP server on stdin/stdout until the client closes stdin or a signal arrives;
 * then running executions are cancelled and their containers removed. Logs go to stderr.
 */
export async function mcpCommand(command: ParsedCommand): Promise<number> {
  const { config, logger } = await loadContext(
    command.values.config,
    command.values.verbose === true,
  )
  const executor = await createExecutor({ config, logger })
  const server = createMcpServer({ executor, version: await packageVersion() })
  // A bug of ours (an unhandled rejection) drains what runs and exits 70, never silently.
  installProcessGuards({
    logger,
    onFatal: async () => {
      await executor.close({ graceMs: FATAL_GRACE_MS })
      await server.close()
    },
  })
  const transport = new StdioServerTransport()
  const stdinClosed = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve)
    process.stdin.once('close', resolve)
  })
  await server.connect(transport)
  await Promise.race([stdinClosed, nextSignal()])
  await executor.close()
  await server.close()
  return EXIT.ok
}
