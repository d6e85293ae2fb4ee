import { hostname } from 'node:os'

/** Every container we create carries these labels, so `reap` can find what a crash left. */
export const LABEL_MANAGED = 'tinyagent-sandbox.managed'
/** Which orchestrator deployment created it (`orchestrator.instance_id`). */
export const LABEL_INSTANCE = 'tinyagent-sandbox.instance'
/** Which process created it, as `hostname/pid`, so a reaper can tell orphans from live work. */
export const LABEL_OWNER = 'tinyagent-sandbox.owner'
export const LABEL_EXECUTION = 'tinyagent-sandbox.execution'
/** On the image: the Debian packages of images/python/packages.txt it was built with. */
export const LABEL_PACKAGES = 'tinyagent-sandbox.packages'

/** This process, as written in LABEL_OWNER. */
export function currentOwner(): string {
  return `${hostname()}/${process.pid}`
}

export function labelsFor(
  instanceId: string,
  owner: string,
  executionId: string,
): Record<string, string> {
  return {
    [LABEL_MANAGED]: 'true',
    [LABEL_INSTANCE]: instanceId,
    [LABEL_OWNER]: owner,
    [LABEL_EXECUTION]: executionId,
  }
}
