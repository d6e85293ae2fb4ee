import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'

/** A redis-server of the test's own on 127.0.0.1: free port, random password, own directory. */
export class RedisServer {
  readonly port: number
  readonly password: string
  readonly dir: string
  readonly #appendonly: boolean
  #process: ChildProcess | undefined

  private constructor(port: number, dir: string, appendonly: boolean) {
    this.port = port
    this.password = randomBytes(12).toString('hex')
    this.dir = dir
    this.#appendonly = appendonly
  }

  static async start(options: { appendonly?: boolean } = {}): Promise<RedisServer> {
    const dir = await mkdtemp(join(tmpdir(), 'tas-redis-'))
    const server = new RedisServer(await freePort(), dir, options.appendonly ?? true)
    await server.#launch()
    return server
  }

  get url(): string {
    return `redis://:${this.password}@127.0.0.1:${this.port}`
  }

  /** A client for the test's own look-ups. */
  client(): Redis {
    return new Redis(this.url, { maxRetriesPerRequest: 1, lazyConnect: false })
  }

  async stop(): Promise<void> {
    const child = this.#process
    this.#process = undefined
    if (child === undefined || child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }

  /** Stops (saving, as SIGTERM does) and starts again on the same directory and port. */
  async restart(): Promise<void> {
    await this.stop()
    await this.#launch()
  }

  async destroy(): Promise<void> {
    await this.stop()
    await rm(this.dir, { recursive: true, force: true })
  }

  async #launch(): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--requirepass',
        this.password,
        '--appendonly',
        this.#appendonly ? 'yes' : 'no',
        '--save',
        '',
        '--dir',
        this.dir,
        '--daemonize',
        'no',
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: 'ignore' },
    )
    this.#process = child
    const deadline = Date.now() + 10_000
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`)
      const probe = new Redis(this.url, {
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        lazyConnect: true,
      })
      probe.on('error', () => {})
      try {
        await probe.connect()
        if ((await probe.ping()) === 'PONG') return
      } catch {
        // not up yet
      } finally {
        probe.disconnect()
      }
      if (Date.now() > deadline) throw new Error('redis-server did not answer within 10 s')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}
