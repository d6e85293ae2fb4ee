import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js'
import type { CodeExecutionConfig } from '../config/schema.js'
import { fileAccessEffective } from '../sandbox/file-access.js'

/**
 * What an `anon_coder` call may do outside its own run, as MCP hosts read it to decide what to
 * confirm with the user. Without file access the code can change nothing that outlives its
 * container; with it (`file_operations`, or `allow_dangerous_operations`) it writes files, and
 * a writable mount lets it overwrite host files. It never reaches the network.
 */
export function anonCoderAnnotations(settings: CodeExecutionConfig): ToolAnnotations {
  const writableMount = settings.mounts.some((mount) => !mount.read_only)
  return {
    readOnlyHint: !fileAccessEffective(settings) && !writableMount,
    // Set either way: a host reads a missing destructiveHint as true.
    destructiveHint: writableMount,
    idempotentHint: false,
    openWorldHint: false,
  }
}
