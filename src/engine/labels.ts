/** Every container we create carries these labels, so `reap` can find what a crash left. */
export const LABEL_MANAGED = 'tinyagent-sandbox.managed'
export const LABEL_INSTANCE = 'tinyagent-sandbox.instance'
export const LABEL_EXECUTION = 'tinyagent-sandbox.execution'

export function labelsFor(instanceId: string, executionId: string): Record<string, string> {
  return {
    [LABEL_MANAGED]: 'true',
    [LABEL_INSTANCE]: instanceId,
    [LABEL_EXECUTION]: executionId,
  }
}
