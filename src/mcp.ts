/** `tinyagent-sandbox/mcp`: the MCP server with the `anon_coder` tool (docs/mcp.md). */
export { createMcpServer, type McpServerOptions } from './mcp/mcp-server.js'
