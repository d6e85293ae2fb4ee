/**
 * `tinyagent-sandbox`: the core library (Sandbox, config, errors, results, tool helpers).
 * It never loads fastify, the MCP SDK, BullMQ or ioredis; dockerode loads when the first
 * DockerEngine is made, winston on the first createLogger. The HTTP server, the MCP server
 * and the queue have entry points of their own (server.ts, mcp.ts, queue.ts), and the static
 * policy alone is policy.ts.
 */
export { configDigest } from './config/config-digest.js'
export { DEFAULT_CONFIG_PATH, loadConfigFile, parseConfig } from './config/load-config.js'
export type {
  CodeExecutionConfig,
  ConfigInput,
  LimitsConfig,
  SandboxConfig,
  ServerConfig,
} from './config/schema.js'
export { configSchema } from './config/schema.js'
export type { ContainerEngine, EngineInfo, OutputListener } from './engine/container-engine.js'
export { DockerEngine, type DockerEngineOptions } from './engine/docker-engine.js'
export { type ReapOptions, reap } from './engine/reaper.js'
export {
  AbortedError,
  ConfigError,
  type ConfigProblem,
  EngineUnavailableError,
  ImageMissingError,
  InvalidArgumentError,
  QueueFullError,
  SandboxError,
  type SandboxErrorCode,
  ShutDownError,
} from './errors.js'
export { createLogger, type Logger, type LogLevel } from './logger.js'
export { type CheckOptions, checkPolicy, DEFAULT_ALLOWED_IMPORTS } from './policy/index.js'
export type {
  PolicyConfig,
  PolicyReport,
  SourcePart,
  SyntaxProblem,
  Violation,
} from './policy/types.js'
export { type ExecuteRequest, MAX_CODE_BYTES } from './sandbox/execute-request.js'
export type { ExecutionResult, ExecutionStatus, PythonError } from './sandbox/execution-result.js'
export type { Executor, ExecutorGauges, Readiness } from './sandbox/executor.js'
export type { ExecutionReceipt } from './sandbox/receipt.js'
export { type CloseOptions, Sandbox, type SandboxOptions } from './sandbox/sandbox.js'
export { ANON_CODER, type AnonCoderInput, anonCoderInputSchema } from './tool/anon-coder-input.js'
export { executeAnonCoder, type ToolCallAnswer } from './tool/execute-anon-coder.js'
export { formatToolResult, type ToolResultOptions } from './tool/format-tool-result.js'
export {
  type AnthropicTool,
  anonCoderTool,
  fromStrictArguments,
  type ObjectJsonSchema,
  type OpenAiChatTool,
  type OpenAiResponsesTool,
  type OpenAiToolOptions,
  type ToolDefinition,
  toAnthropicTool,
  toOpenAiResponsesTool,
  toOpenAiTool,
} from './tool/tool-definition.js'
