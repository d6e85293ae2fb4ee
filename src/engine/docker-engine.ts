import { createRequire } from 'node:module'
import type Docker from 'dockerode'
import type { ContainerCreateOptions } from 'dockerode'
import { type Logger, silentLogger } from '../logger.js'
import type {
  ContainerEngine,
  EngineInfo,
  ManagedContainer,
  StartedContainer,
} from './container-engine.js'
import { ContainerGone } from './container-proofs.js'
import { DockerStartedContainer } from './docker-started-container.js'
import { toEngineError } from './engine-errors.js'
import {
  LABEL_EXECUTION,
  LABEL_INSTANCE,
  LABEL_MANAGED,
  LABEL_OWNER,
  LABEL_PACKAGES,
} from './labels.js'

export interface DockerEngineOptions {
  /** @default a client for DOCKER_HOST, else /var/run/docker.sock */
  readonly docker?: Docker
  /** @default silent */
  readonly logger?: Logger
}

/** The Docker implementation of the engine port: the only place that calls dockerode. */
export class DockerEngine implements ContainerEngine {
  readonly #docker: Docker
  readonly #logger: Logger
  readonly endpoint: string

  constructor(options: DockerEngineOptions = {}) {
    this.#docker = options.docker ?? newDockerClient()
    this.#logger = options.logger ?? silentLogger
    this.endpoint = describeEndpoint(this.#docker)
  }

  async start(spec: ContainerCreateOptions, readyMarker?: string): Promise<StartedContainer> {
    try {
      return await DockerStartedContainer.start(this.#docker, spec, this.#logger, readyMarker)
    } catch (error) {
      throw toEngineError(error, this.endpoint, spec.Image)
    }
  }

  async info(): Promise<EngineInfo> {
    try {
      const info = await this.#docker.info()
      return {
        endpoint: this.endpoint,
        serverVersion: String(info.ServerVersion),
        runtimes: Object.keys(info.Runtimes ?? {}),
        defaultRuntime: String(info.DefaultRuntime),
      }
    } catch (error) {
      throw toEngineError(error, this.endpoint)
    }
  }

  async imagePackages(image: string): Promise<string[] | undefined> {
    try {
      const info = await this.#docker.getImage(image).inspect()
      const label = info.Config?.Labels?.[LABEL_PACKAGES] ?? ''
      return label.split(' ').filter((name) => name !== '')
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined
      throw toEngineError(error, this.endpoint)
    }
  }

  async imageExists(image: string): Promise<boolean> {
    try {
      await this.#docker.getImage(image).inspect()
      return true
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return false
      throw toEngineError(error, this.endpoint)
    }
  }

  async imageId(image: string): Promise<string | undefined> {
    try {
      return (await this.#docker.getImage(image).inspect()).Id
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined
      throw toEngineError(error, this.endpoint)
    }
  }

  async containerGone(executionId: string): Promise<ContainerGone | undefined> {
    try {
      const left = await this.#docker.listContainers({
        all: true,
        filters: { label: [`${LABEL_MANAGED}=true`, `${LABEL_EXECUTION}=${executionId}`] },
      })
      return left.length === 0 ? new ContainerGone(executionId) : undefined
    } catch (error) {
      throw toEngineError(error, this.endpoint)
    }
  }

  async listManaged(instanceId?: string): Promise<ManagedContainer[]> {
    const label = [`${LABEL_MANAGED}=true`]
    if (instanceId !== undefined) label.push(`${LABEL_INSTANCE}=${instanceId}`)
    try {
      const containers = await this.#docker.listContainers({ all: true, filters: { label } })
      return containers.map((c) => ({
        id: c.Id,
        instanceId: c.Labels[LABEL_INSTANCE] ?? '',
        owner: c.Labels[LABEL_OWNER] ?? '',
        executionId: c.Labels[LABEL_EXECUTION] ?? '',
        state: c.State,
      }))
    } catch (error) {
      throw toEngineError(error, this.endpoint)
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.#docker.getContainer(id).remove({ force: true })
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return
      throw toEngineError(error, this.endpoint)
    }
  }
}

/**
 * dockerode (with ssh2 and grpc) takes a few hundred milliseconds to load: required here, when
 * the first engine is made, so that importing the library for its config, results or tool
 * helpers does not pay for it.
 */
function newDockerClient(): Docker {
  const Dockerode = createRequire(import.meta.url)('dockerode') as typeof Docker
  return new Dockerode()
}

function describeEndpoint(docker: Docker): string {
  const modem = docker.modem as {
    socketPath?: unknown
    host?: string
    port?: number | string
    protocol?: string
  }
  // docker-modem keeps the default socket as a lookup function, not a path.
  if (typeof modem.socketPath === 'string') return `unix://${modem.socketPath}`
  if (modem.host !== undefined)
    return `${modem.protocol ?? 'http'}://${modem.host}:${modem.port ?? ''}`
  return process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'
}
