/**
 * The one error the cluster harness throws for its own failures: `step` names what it was
 * doing (`ip netns add`, `dockerd w1 start`, ...), so a failed suite says where setup broke.
 */
export class ClusterHarnessError extends Error {
  override readonly name = 'ClusterHarnessError'
  readonly step: string

  constructor(step: string, message: string, options?: ErrorOptions) {
    super(`${step}: ${message}`, options)
    this.step = step
  }
}
