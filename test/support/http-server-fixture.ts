import type { ConfigInput } from '../../src/config/schema.js'
import type { ContainerEngine } from '../../src/engine/container-engine.js'
import { DockerEngine } from '../../src/engine/docker-engine.js'
import { Sandbox } from '../../src/sandbox/sandbox.js'
import { ApiKeys } from '../../src/server/api-keys.js'
import { HttpServer } from '../../src/server/http-server.js'
import { containersOf } from './managed-containers.js'
import { testConfig } from './test-config.js'

export interface TestServerOptions {
  readonly config?: ConfigInput
  readonly keys?: readonly string[]
  /** @default the real Docker engine */
  readonly engine?: ContainerEngine
}

/** A real HTTP server on 127.0.0.1 and a free port, over a real sandbox with its own instance id. */
export class TestServer {
  readonly http: HttpServer
  readonly instanceId: string

  private constructor(http: HttpServer, instanceId: string) {
    this.http = http
    this.instanceId = instanceId
  }

  static async start(options: TestServerOptions = {}): Promise<TestServer> {
    const base = options.config ?? {}
    const config = testConfig({ ...base, server: { ...base.server, port: 0 } })
    const engine = options.engine ?? new DockerEngine()
    const sandbox = await Sandbox.create({ config, engine })
    try {
      const http = await HttpServer.start({
        executor: sandbox,
        apiKeys: ApiKeys.of(options.keys ?? []),
      })
      return new TestServer(http, config.orchestrator.instance_id)
    } catch (error) {
      await sandbox.close()
      throw error
    }
  }

  url(path: string): string {
    return `${this.http.url}${path}`
  }

  /** POSTs a JSON value (or raw text) to `path`. */
  post(path: string, body: unknown, init: RequestInit & { raw?: boolean } = {}): Promise<Response> {
    const { raw, headers, ...rest } = init
    return fetch(this.url(path), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: raw === true ? String(body) : JSON.stringify(body),
      ...rest,
    })
  }

  /** Closes the server and sandbox, then returns the containers this instance left (expected none). */
  async close(): Promise<string[]> {
    await this.http.close({ graceMs: 0 })
    return containersOf(this.instanceId)
  }
}

/** Parses a `text/event-stream` body into its events, in order. */
export async function readEvents(response: Response): Promise<{ event: string; data: unknown }[]> {
  const text = await response.text()
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? ''
      const data = /^data: (.*)$/m.exec(block)?.[1] ?? 'null'
      return { event, data: JSON.parse(data) as unknown }
    })
}

/** Polls until `instanceId` has `count` containers; a hang guard, not a speed assertion. */
export async function waitForContainers(
  instanceId: string,
  count: number,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while ((await containersOf(instanceId)).length !== count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} container(s) of ${instanceId}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
