import { DockerEngine } from '../../engine/docker-engine.js'
import { reap } from '../../engine/reaper.js'
import { loadContext } from '../cli-context.js'
import { EXIT } from '../exit-codes.js'
import type { ParsedCommand } from '../parse-command.js'

/** `reap [--all]`: removes this instance's orphaned containers (with --all, its live ones too). */
export async function reapCommand(command: ParsedCommand): Promise<number> {
  const { config, logger } = await loadContext(
    command.values.config,
    command.values.verbose === true,
  )
  const removed = await reap(new DockerEngine({ logger }), {
    instanceId: config.orchestrator.instance_id,
    includeLive: command.values.all === true,
  })
  process.stdout.write(
    `Removed ${removed.length} container(s) of instance \`${config.orchestrator.instance_id}\`.\n`,
  )
  return EXIT.ok
}
