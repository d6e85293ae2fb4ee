import type { ContainerEngine, RunRequest } from '../../src/engine/container-engine.js'
import { DockerEngine } from '../../src/engine/docker-engine.js'

/** The real Docker engine, counting how many containers it was asked to run. */
export class CountingEngine extends DockerEngine implements ContainerEngine {
  runs = 0

  override run(request: RunRequest): ReturnType<DockerEngine['run']> {
    this.runs++
    return super.run(request)
  }
}
