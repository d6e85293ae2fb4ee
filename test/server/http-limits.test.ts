import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  TestServer,
  type TestServerOptions,
  waitForContainers,
} from '../support/http-server-fixture.js'

/**
 * What one connection, or one key, may hold of the server: the time to send a request, the
 * body bytes read before the key is checked, and the memory and quota of an answer the client
 * does not read. Slow and never-reading clients are raw sockets to 127.0.0.1; every wait is
 * bounded, and every bound asserted is a configured timeout plus a stated slack.
 */

const KEY = 'test-key-0123456789abcdef'
/** Refused by the static policy: a full 200 answer without a container. */
const REFUSED = { code: 'eval("1")' }
/** Node checks request deadlines every 500 ms at these settings; the rest is scheduling. */
const SLACK_MS = 1_500
const MIB = 1_048_576

let server: TestServer | undefined
/** Every raw connection a test opened, destroyed after it whatever it asserted. */
const connections: RawConnection[] = []

async function start(options: TestServerOptions): Promise<TestServer> {
  server = await TestServer.start(options)
  return server
}

afterEach(async () => {
  for (const connection of connections.splice(0)) connection.socket.destroy()
  const left = await server?.close()
  server = undefined
  expect(left ?? []).toStrictEqual([])
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A raw HTTP/1.1 connection: what came back, and when the server closed it. */
class RawConnection {
  readonly socket: Socket
  #head = ''
  bytesReceived = 0
  firstByteAt: number | undefined
  closedAt: number | undefined

  private constructor(socket: Socket) {
    this.socket = socket
    socket.on('data', (chunk: Buffer) => {
      this.firstByteAt ??= Date.now()
      this.bytesReceived += chunk.length
      if (this.#head.length < 4_096) this.#head += chunk.toString('latin1')
    })
    socket.on('close', () => {
      this.closedAt = Date.now()
    })
    // A refused connection may be reset; what it answered before still counts.
    socket.on('error', () => {})
  }

  static open(server: TestServer): Promise<RawConnection> {
    const { hostname, port } = new URL(server.http.url)
    return new Promise((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port) }, () => {
        const connection = new RawConnection(socket)
        connections.push(connection)
        resolve(connection)
      })
      socket.once('error', reject)
    })
  }

  /** The status code and headers of the answer, once its head has arrived. */
  get answer(): { status: number; headers: Map<string, string> } | undefined {
    const end = this.#head.indexOf('\r\n\r\n')
    if (end === -1) return undefined
    const [statusLine = '', ...lines] = this.#head.slice(0, end).split('\r\n')
    const headers = new Map(
      lines.map((line) => {
        const colon = line.indexOf(':')
        return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()] as const
      }),
    )
    return { status: Number(statusLine.split(' ')[1]), headers }
  }

  /** The whole answer's size in bytes, from its head and Content-Length. */
  get answerBytes(): number {
    const length = Number(this.answer?.headers.get('content-length'))
    return this.#head.indexOf('\r\n\r\n') + 4 + length
  }

  /** Waits up to `timeoutMs` for `condition`; says whether it came true. */
  async until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (!condition()) {
      if (Date.now() > deadline) return false
      await sleep(20)
    }
    return true
  }
}

function requestHead(contentLength: number, key?: string, path = '/v1/executions'): string {
  return [
    `POST ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Content-Type: application/json',
    `Content-Length: ${contentLength}`,
    ...(key === undefined ? [] : [`Authorization: Bearer ${key}`]),
    '',
    '',
  ].join('\r\n')
}

describe('the time a request may take to arrive', () => {
  it('answers 408 and closes a body dribbled at 1 byte/s at server.request_timeout_seconds', async () => {
    const s = await start({ keys: [KEY], config: { server: { request_timeout_seconds: 2 } } })
    const body = JSON.stringify({ code: `print(1)${' '.repeat(50)}` })
    const connection = await RawConnection.open(s)
    const sentAt = Date.now()
    connection.socket.write(requestHead(body.length, KEY))
    let sent = 0
    for (; sent < 10 && connection.closedAt === undefined; sent++) {
      connection.socket.write(body.slice(sent, sent + 1))
      await sleep(1_000)
    }
    expect(await connection.until(() => connection.closedAt !== undefined, 5_000)).toBe(true)
    expect(connection.answer?.status).toBe(408)
    const heldMs = (connection.closedAt ?? Number.NaN) - sentAt
    expect(heldMs).toBeGreaterThanOrEqual(2_000 - 100)
    expect(heldMs).toBeLessThanOrEqual(2_000 + SLACK_MS)
    expect(sent).toBeLessThan(body.length)
  })

  it('closes a connection that sends nothing at server.request_timeout_seconds', async () => {
    const s = await start({ config: { server: { request_timeout_seconds: 2 } } })
    const connection = await RawConnection.open(s)
    const openedAt = Date.now()
    expect(await connection.until(() => connection.closedAt !== undefined, 10_000)).toBe(true)
    const heldMs = (connection.closedAt ?? Number.NaN) - openedAt
    expect(heldMs).toBeGreaterThanOrEqual(2_000 - 100)
    expect(heldMs).toBeLessThanOrEqual(2_000 + SLACK_MS)
  })
})

describe('idle connections', () => {
  it('closes a keep-alive connection idle for server.keep_alive_timeout_seconds', async () => {
    const s = await start({ config: { server: { keep_alive_timeout_seconds: 1 } } })
    const connection = await RawConnection.open(s)
    connection.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    expect(await connection.until(() => connection.answer !== undefined, 5_000)).toBe(true)
    expect(connection.answer?.status).toBe(200)
    expect(connection.answer?.headers.get('connection')).toBe('keep-alive')
    expect(await connection.until(() => connection.closedAt !== undefined, 10_000)).toBe(true)
    const idleMs = (connection.closedAt ?? Number.NaN) - (connection.firstByteAt ?? Number.NaN)
    expect(idleMs).toBeGreaterThanOrEqual(1_000 - 100)
    expect(idleMs).toBeLessThanOrEqual(1_000 + SLACK_MS)
  })
})

describe('refusals from the headers alone, before any body byte is read', () => {
  it('answers 401 to a request announcing a 2 MB body before a byte of it is sent, and closes', async () => {
    // The default request timeout (30 s) is far off: the close below is the server's choice.
    const s = await start({ keys: [KEY] })
    const connection = await RawConnection.open(s)
    connection.socket.write(requestHead(2 * MIB))
    expect(await connection.until(() => connection.answer !== undefined, 5_000)).toBe(true)
    expect(connection.answer?.status).toBe(401)
    expect(connection.answer?.headers.get('connection')).toBe('close')
    expect(await connection.until(() => connection.closedAt !== undefined, 2_000)).toBe(true)
    // The same server keeps an open route's connection alive: the close is for the refusal.
    const probe = await fetch(s.url('/healthz'))
    expect(probe.headers.get('connection')).toBe('keep-alive')
  })

  it('answers 429 to a rate-limited key announcing a 2 MB body before a byte of it is sent', async () => {
    const s = await start({ keys: [KEY], config: { server: { rate_limit_per_minute: 1 } } })
    const auth = { headers: { authorization: `Bearer ${KEY}` } }
    expect((await s.post('/v1/executions', REFUSED, auth)).status).toBe(200)
    const connection = await RawConnection.open(s)
    connection.socket.write(requestHead(2 * MIB, KEY))
    expect(await connection.until(() => connection.answer !== undefined, 5_000)).toBe(true)
    expect(connection.answer?.status).toBe(429)
    expect(connection.answer?.headers.get('connection')).toBe('close')
    expect(await connection.until(() => connection.closedAt !== undefined, 2_000)).toBe(true)
  })

  it('answers 404 for an unknown route from the headers, before its body', async () => {
    const s = await start({})
    const connection = await RawConnection.open(s)
    connection.socket.write(requestHead(2 * MIB, undefined, '/v1/nothing'))
    expect(await connection.until(() => connection.answer !== undefined, 5_000)).toBe(true)
    expect(connection.answer?.status).toBe(404)
    expect(await connection.until(() => connection.closedAt !== undefined, 2_000)).toBe(true)
  })
})

describe('pipelined requests', () => {
  it('cancels a pipelined execution and returns its slot when the connection closes before its turn', async () => {
    const s = await start({
      keys: [KEY],
      config: {
        code_execution: { allowed_operations: { imports: ['time'] } },
        server: { concurrency_per_key: 2 },
      },
    })
    const auth = { headers: { authorization: `Bearer ${KEY}` } }
    const body = JSON.stringify({ code: 'import time\ntime.sleep(60)' })
    const connection = await RawConnection.open(s)
    connection.socket.write((requestHead(body.length, KEY) + body).repeat(2))
    await waitForContainers(s.instanceId, 2)
    expect((await s.post('/v1/executions', REFUSED, auth)).status).toBe(429)
    connection.socket.destroy()
    // Well before the code's own 10 s timeout: both were cancelled, not left to run out.
    await waitForContainers(s.instanceId, 0, 8_000)
    expect((await s.post('/v1/executions', REFUSED, auth)).status).toBe(200)
    expect((await s.post('/v1/executions', REFUSED, auth)).status).toBe(200)
  })
})

describe('answers a client does not read', () => {
  const PRINTED_BYTES = 8_000_000
  const LARGE = {
    code_execution: { limits: { output_bytes: 16 * MIB } },
    orchestrator: { concurrency: 3 },
  }

  /** Sends one execution printing PRINTED_BYTES, then stops reading once the answer starts. */
  async function neverRead(s: TestServer, path = '/v1/executions'): Promise<RawConnection> {
    const connection = await RawConnection.open(s)
    const body = JSON.stringify({ code: `print("x" * ${PRINTED_BYTES})` })
    connection.socket.once('data', () => connection.socket.pause())
    connection.socket.write(requestHead(body.length, KEY, path) + body)
    return connection
  }

  it('drops them after server.response_timeout_seconds, holding their quota until then, and frees their memory', async () => {
    const timeoutMs = 5_000
    const s = await start({
      keys: [KEY],
      config: {
        ...LARGE,
        server: { concurrency_per_key: 3, response_timeout_seconds: timeoutMs / 1_000 },
      },
    })
    const auth = { headers: { authorization: `Bearer ${KEY}` } }
    const probe = () => s.post('/v1/executions', REFUSED, auth)
    expect((await probe()).status).toBe(200)
    const rssBefore = process.memoryUsage().rss

    const clients = await Promise.all([neverRead(s), neverRead(s), neverRead(s)])
    for (const client of clients) {
      expect(await client.until(() => client.firstByteAt !== undefined, 60_000)).toBe(true)
    }
    const starts = clients.map((client) => client.firstByteAt ?? Number.NaN)
    const firstStart = Math.min(...starts)
    // The three answers are written and pending: the key's three slots are still taken.
    expect(Date.now() - firstStart).toBeLessThan(timeoutMs)
    const refused = await probe()
    expect(refused.status).toBe(429)
    expect(await refused.json()).toMatchObject({ error: { code: 'quota_exceeded' } })

    // The first slot comes free when the first unread answer is dropped, not before.
    let freedAt: number | undefined
    for (let attempt = 0; attempt < 200 && freedAt === undefined; attempt++) {
      if ((await probe()).status !== 429) freedAt = Date.now()
      else await sleep(50)
    }
    expect((freedAt ?? Number.NaN) - firstStart).toBeGreaterThanOrEqual(timeoutMs - 500)
    expect((freedAt ?? Number.NaN) - firstStart).toBeLessThanOrEqual(timeoutMs + SLACK_MS)

    await sleep(Math.max(...starts) + timeoutMs + SLACK_MS - Date.now())
    for (const client of clients) {
      client.socket.resume()
      expect(await client.until(() => client.closedAt !== undefined, 10_000)).toBe(true)
      expect(client.answer?.status).toBe(200)
      // Cut short: only what the kernel's buffers already held got through.
      expect(client.bytesReceived).toBeLessThan(client.answerBytes)
    }
    expect((await probe()).status).toBe(200)
    expect(process.memoryUsage().rss).toBeLessThan(rssBefore + 200 * MIB)
  })

  it('drops an unread event stream after server.response_timeout_seconds, holding its quota until then', async () => {
    const timeoutMs = 2_000
    const s = await start({
      keys: [KEY],
      config: {
        ...LARGE,
        server: { concurrency_per_key: 1, response_timeout_seconds: timeoutMs / 1_000 },
      },
    })
    const auth = { headers: { authorization: `Bearer ${KEY}` } }
    const client = await neverRead(s, '/v1/executions?stream=true')
    expect(await client.until(() => client.firstByteAt !== undefined, 60_000)).toBe(true)
    expect(client.answer?.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect((await s.post('/v1/executions', REFUSED, auth)).status).toBe(429)

    // The stream ends within the execution's own timeout (10 s); then it may wait timeoutMs.
    let freed = false
    for (let attempt = 0; attempt < 100 && !freed; attempt++) {
      freed = (await s.post('/v1/executions', REFUSED, auth)).status !== 429
      if (!freed) await sleep(200)
    }
    expect(freed).toBe(true)
    client.socket.resume()
    expect(await client.until(() => client.closedAt !== undefined, 10_000)).toBe(true)
    expect(client.bytesReceived).toBeLessThan(PRINTED_BYTES)
  })
})
