import type { CodeExecutionConfig } from '../config/schema.js'
import { prepareInstanceDir } from '../workspace/workspace.js'
import { resolveWorkspaceRoot } from '../workspace/workspace-root.js'
import { fileAccessEffective, type VerifiedMount, verifiedMountSources } from './file-access.js'

/**
 * The host paths a sandbox uses, resolved and checked once at start-up: the workspace root
 * (owned by this user, not writable by others) and the mount sources (with the identity
 * each grant verifies again). Later steps use these resolved values, never the config's.
 */
export interface HostFiles {
  readonly workspaceRoot: string
  readonly mounts: readonly VerifiedMount[]
  /** Workspaces are size-limited tmpfs mounts (as root), or plain directories. */
  readonly workspaceTmpfs: boolean
}

/** Undefined when file operations are not effective: then no container gets any mount. */
export async function resolveHostFiles(
  settings: CodeExecutionConfig,
  instanceId: string,
  workspaceTmpfs = true,
): Promise<HostFiles | undefined> {
  if (!fileAccessEffective(settings)) return undefined
  const workspaceRoot = await resolveWorkspaceRoot(settings.workspace_root)
  await prepareInstanceDir(workspaceRoot, instanceId)
  return { workspaceRoot, mounts: verifiedMountSources(settings), workspaceTmpfs }
}
