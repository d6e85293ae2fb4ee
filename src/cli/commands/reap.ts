import { DockerEngine } from '../../engine/docker-engine.js'
import { processIsAlive, reap } from '../../engine/reaper.js'
import { reapWorkspaces } from '../../workspace/workspace-reaper.js'
import { resolveWorkspaceRoot } from '../../workspace/workspace-root.js'
import { loadContext } from '../cli-context.js'
import { EXIT } from '../exit-codes.js'
import type { ParsedCommand } from '../parse-command.js'

/**
 * `reap [--all]`: removes the containers and workspaces that dead processes of this instance
 * left (with --all, also those of live processes).
 */
export async function reapCommand(command: ParsedCommand): Promise<number> {
  const { config, logger } = await loadContext(
    command.values.config,
    command.values.verbose === true,
  )
  const instanceId = config.orchestrator.instance_id
  const includeLive = command.values.all === true
  const engine = new DockerEngine({ logger })
  const removed = await reap(engine, { instanceId, includeLive })
  const workspaces = await reapWorkspaces({
    root: await resolveWorkspaceRoot(config.code_execution.workspace_root),
    instanceId,
    includeLive,
    isAlive: processIsAlive,
    engine,
  })
  process.stdout.write(
    `Removed ${removed.length} container(s) and ${workspaces.length} workspace(s) of instance \`${instanceId}\`.\n`,
  )
  return EXIT.ok
}
