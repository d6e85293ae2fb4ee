import type { ContainerCreateOptions } from 'dockerode'
import type { ContainerEngine } from '../../src/engine/container-engine.js'
import { DockerEngine } from '../../src/engine/docker-engine.js'
import { LABEL_EXECUTION } from '../../src/engine/labels.js'

/** The real Docker engine, counting how many containers it was asked to start, and for which execution. */
export class CountingEngine extends DockerEngine implements ContainerEngine {
  runs = 0
  /** The execution id label of each container started, in order. */
  readonly executionIds: string[] = []

  override start(
    spec: ContainerCreateOptions,
    readyMarker?: string,
  ): ReturnType<DockerEngine['start']> {
    this.runs++
    this.executionIds.push(spec.Labels?.[LABEL_EXECUTION] ?? '')
    return super.start(spec, readyMarker)
  }

  /** Containers started for this execution id. */
  startsFor(executionId: string): number {
    return this.executionIds.filter((id) => id === executionId).length
  }
}
