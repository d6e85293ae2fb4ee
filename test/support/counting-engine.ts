import type { ContainerCreateOptions } from 'dockerode'
import type { ContainerEngine } from '../../src/engine/container-engine.js'
import { DockerEngine } from '../../src/engine/docker-engine.js'

/** The real Docker engine, counting how many containers it was asked to start. */
export class CountingEngine extends DockerEngine implements ContainerEngine {
  runs = 0

  override start(
    spec: ContainerCreateOptions,
    readyMarker?: string,
  ): ReturnType<DockerEngine['start']> {
    this.runs++
    return super.start(spec, readyMarker)
  }
}
