import { randomUUID } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'

/** The orchestrator's secret the code must never see. */
export const ENV_CANARY_NAME = 'TINYAGENT_SECURITY_CANARY'

/**
 * What an escape would touch, planted on the host: a file in a fresh temp directory, a secret
 * in this (the orchestrator's) environment, a TCP listener on every host address and an
 * abstract Unix socket. `untouched()` says whether any of them noticed the sandbox.
 */
export class HostCanaries {
  readonly dir: string
  readonly file: string
  readonly secret = `canary-${randomUUID()}`
  readonly abstractSocket = `tinyagent-canary-${randomUUID().slice(0, 8)}`
  readonly #content = `host canary ${randomUUID()}\n`
  readonly #servers: Server[] = []
  #connections = 0

  private constructor(dir: string) {
    this.dir = dir
    this.file = join(dir, 'canary.txt')
  }

  static async plant(): Promise<HostCanaries> {
    const canaries = new HostCanaries(await mkdtemp(join(tmpdir(), 'tinyagent-security-')))
    await writeFile(canaries.file, canaries.#content, { mode: 0o644 })
    process.env[ENV_CANARY_NAME] = canaries.secret
    await canaries.#listen({ host: '::', port: 0 })
    await canaries.#listen({ path: `\0${canaries.abstractSocket}` })
    return canaries
  }

  /** The TCP port listening on every host address (IPv4 and IPv6). */
  get port(): number {
    const address = this.#servers[0]?.address()
    if (address === null || address === undefined || typeof address === 'string')
      throw new Error('the TCP canary is not listening')
    return address.port
  }

  /** The host's own non-loopback IPv4 addresses, the Docker bridge gateway among them. */
  hostAddresses(): string[] {
    return Object.values(networkInterfaces())
      .flat()
      .filter((a) => a !== undefined && a.family === 'IPv4' && !a.internal)
      .map((a) => a?.address ?? '')
      .sort()
  }

  /** What the canaries saw: expected `{ file: true, listing: ['canary.txt'], connections: 0 }`. */
  async observe(): Promise<{ file: boolean; listing: string[]; connections: number }> {
    return {
      file: (await readFile(this.file, 'utf8')) === this.#content,
      listing: (await readdir(this.dir)).sort(),
      connections: this.#connections,
    }
  }

  async remove(): Promise<void> {
    delete process.env[ENV_CANARY_NAME]
    await Promise.all(this.#servers.map((s) => new Promise((resolve) => s.close(resolve))))
    await rm(this.dir, { recursive: true, force: true })
  }

  #listen(options: { host: string; port: number } | { path: string }): Promise<void> {
    const server = createServer((socket) => {
      this.#connections++
      socket.destroy()
    })
    this.#servers.push(server)
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(options, () => resolve())
    })
  }
}
