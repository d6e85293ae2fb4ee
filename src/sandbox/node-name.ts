import { hostname } from 'node:os'
import type { SandboxConfig } from '../config/schema.js'

/** `orchestrator.node_name`, or `hostname/pid`: the name results and logs carry. */
export function nodeName(config: SandboxConfig): string {
  return config.orchestrator.node_name ?? `${hostname()}/${process.pid}`
}
