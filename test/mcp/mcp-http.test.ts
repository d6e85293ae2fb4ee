import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { type CallToolResult, LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js'
import { afterEach, describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../support/cli.js'
import {
  TestServer,
  type TestServerOptions,
  waitForContainers,
} from '../support/http-server-fixture.js'

const KEY = 'test-key-0123456789abcdef'
/** The MCP Inspector's own command, a devDependency. */
const INSPECTOR = join(REPO_ROOT, 'node_modules', '.bin', 'mcp-inspector')
const SLEEPY = { code_execution: { allowed_operations: { imports: ['time'] } } }
const STRUCTURED_FIELDS = [
  'status',
  'exitCode',
  'stdout',
  'stderr',
  'truncated',
  'error',
  'violations',
  'message',
  'node',
  'id',
]
/** What an MCP client sends with every POST. */
const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
}

let server: TestServer | undefined
const clients: Client[] = []

async function start(options: TestServerOptions = {}): Promise<TestServer> {
  server = await TestServer.start(options)
  return server
}

/** The official SDK's client over Streamable HTTP, as a remote agent host connects. */
async function connect(s: TestServer, key?: string): Promise<Client> {
  const client = new Client({ name: 'tinyagent-sandbox-test', version: '0.0.0' })
  const headers = key === undefined ? undefined : { authorization: `Bearer ${key}` }
  const transport = new StreamableHTTPClientTransport(new URL(s.url('/mcp')), {
    ...(headers === undefined ? {} : { requestInit: { headers } }),
  })
  await client.connect(transport)
  clients.push(client)
  return client
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()))
  const left = await server?.close()
  server = undefined
  expect(left ?? []).toStrictEqual([])
})

/** The value of one sample line of /metrics. */
async function metric(s: TestServer, sample: string, key?: string): Promise<number> {
  const headers = key === undefined ? undefined : { authorization: `Bearer ${key}` }
  const text = await (await fetch(s.url('/metrics'), { ...(headers && { headers }) })).text()
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `))
  return Number(line?.slice(sample.length + 1) ?? 0)
}

function textOf(result: CallToolResult): string {
  const [first] = result.content
  return first?.type === 'text' ? first.text : ''
}

/** One JSON-RPC message POSTed by hand; the answer is one SSE event or a JSON body. */
async function rpc(s: TestServer, message: unknown, headers: Record<string, string> = {}) {
  const response = await s.post('/mcp', message, { headers: { ...MCP_HEADERS, ...headers } })
  const text = await response.text()
  const data = /^data: (.*)$/m.exec(text)?.[1] ?? text
  return { status: response.status, body: JSON.parse(data) as Record<string, unknown> }
}

/** A POST with headers `fetch` will not set (`Host`), through node:http. */
function rawPost(s: TestServer, headers: Record<string, string>): Promise<number> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' })
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      s.url('/mcp'),
      { method: 'POST', headers: { ...MCP_HEADERS, ...headers } },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

describe('MCP over Streamable HTTP at /mcp', () => {
  it('answers initialize with the newest protocol version the SDK knows, and no session', async () => {
    const s = await start()
    const response = await s.post(
      '/mcp',
      {
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: {
          protocolVersion: LATEST_PROTOCOL_VERSION,
          capabilities: {},
          clientInfo: { name: 'raw', version: '0' },
        },
      },
      { headers: MCP_HEADERS },
    )
    expect(response.status).toBe(200)
    expect(response.headers.get('mcp-session-id')).toBeNull()
    const data = /^data: (.*)$/m.exec(await response.text())?.[1] ?? ''
    expect(JSON.parse(data)).toMatchObject({
      id: 0,
      result: {
        protocolVersion: LATEST_PROTOCOL_VERSION,
        capabilities: { tools: {} },
        serverInfo: { name: 'tinyagent-sandbox' },
      },
    })
  })

  it('lists anon_coder as read-only, closed-world, with an output schema', async () => {
    const client = await connect(await start())
    const { tools } = await client.listTools()
    expect(tools.map((tool) => tool.name)).toStrictEqual(['anon_coder'])
    const [tool] = tools
    expect(tool?.annotations).toStrictEqual({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: false,
      openWorldHint: false,
    })
    expect(tool?.inputSchema.additionalProperties).toBe(false)
    expect(tool?.outputSchema?.type).toBe('object')
    expect(Object.keys(tool?.outputSchema?.properties ?? {})).toStrictEqual(STRUCTURED_FIELDS)
    expect(tool?.outputSchema?.additionalProperties).toBe(false)
  })

  it('lists anon_coder as not read-only when file operations are on', async () => {
    const client = await connect(
      await start({
        config: { code_execution: { allowed_operations: { file_operations: true } } },
      }),
    )
    const { tools } = await client.listTools()
    expect(tools[0]?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false })
  })

  it('runs print(1): text for the model, and structured content the client validated', async () => {
    const s = await start()
    const client = await connect(s)
    // Listing first makes the client check later results against the output schema.
    await client.listTools()
    const result = (await client.callTool({
      name: 'anon_coder',
      arguments: { code: 'print(1)' },
    })) as CallToolResult
    expect(result.isError).toBe(false)
    expect(textOf(result)).toBe('status: ok (exit code 0)\nstdout:\n1')
    expect(result.structuredContent).toStrictEqual({
      status: 'ok',
      exitCode: 0,
      stdout: '1\n',
      stderr: '',
      truncated: false,
      error: null,
      violations: [],
      message: null,
      node: expect.any(String),
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    })
    expect(await metric(s, 'tinyagent_sandbox_executions_total{status="ok"}')).toBe(1)
  })

  it('gives a refused run its violations as structured content too', async () => {
    const client = await connect(await start())
    await client.listTools()
    const result = (await client.callTool({
      name: 'anon_coder',
      arguments: { code: 'import socket' },
    })) as CallToolResult
    expect(result.isError).toBe(true)
    expect(result.structuredContent).toMatchObject({
      status: 'policy_violation',
      exitCode: null,
      violations: [{ rule: 'import-not-allowed', line: 1, column: 8 }],
    })
  })

  it('refuses an unknown argument as a tool error that names it', async () => {
    const client = await connect(await start())
    const result = (await client.callTool({
      name: 'anon_coder',
      arguments: { code: 'print(1)', language: 'python' },
    })) as CallToolResult
    expect(result.isError).toBe(true)
    expect(result.structuredContent).toBeUndefined()
    expect(textOf(result)).toBe(
      'invalid_argument: Invalid `language`: unknown key; expected one of: code, timeout, setup_code',
    )
  })

  it('sends the output as progress while the code runs, when the client asks for it', async () => {
    const client = await connect(await start({ config: SLEEPY }))
    const messages: string[] = []
    const result = (await client.callTool(
      {
        name: 'anon_coder',
        arguments: { code: 'import time\nprint("a", flush=True)\ntime.sleep(0.5)\nprint("b")' },
      },
      undefined,
      { onprogress: (progress) => messages.push(progress.message ?? '') },
    )) as CallToolResult
    expect(result.isError).toBe(false)
    expect(messages.join('')).toBe('a\nb\n')
  })

  it('refuses a body over server.body_limit_bytes with 413 before any MCP handling', async () => {
    const s = await start({ config: { server: { body_limit_bytes: 1_024 } } })
    const { status, body } = await rpc(s, {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'anon_coder', arguments: { code: `print("${'x'.repeat(2_000)}")` } },
    })
    expect(status).toBe(413)
    expect(body).toMatchObject({ error: { code: 'payload_too_large' } })
  })

  it('answers GET and DELETE with 405 and a JSON-RPC error: there is no session', async () => {
    const s = await start()
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(s.url('/mcp'), {
        method,
        headers: { accept: MCP_HEADERS.accept },
      })
      expect(response.status).toBe(405)
      expect(response.headers.get('allow')).toBe('POST')
      expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } })
    }
  })
})

describe('/mcp access', () => {
  it('needs the API key when keys are configured: 401 without it, served with it', async () => {
    const s = await start({ keys: [KEY] })
    const refused = connect(s)
    await expect(refused).rejects.toBeInstanceOf(StreamableHTTPError)
    await expect(refused).rejects.toMatchObject({ code: 401 })
    await expect(connect(s, 'not-the-key-0123456789')).rejects.toMatchObject({ code: 401 })
    const client = await connect(s, KEY)
    expect((await client.listTools()).tools.map((tool) => tool.name)).toStrictEqual(['anon_coder'])
  })

  it('refuses a Host or Origin that is not loopback on a loopback bind (DNS rebinding)', async () => {
    const s = await start()
    const port = new URL(s.http.url).port
    expect(await rawPost(s, { host: `attacker.example:${port}` })).toBe(403)
    expect(await rawPost(s, { origin: 'http://attacker.example' })).toBe(403)
    expect(await rawPost(s, { origin: 'null' })).toBe(403)
    expect(await rawPost(s, { host: `localhost:${port}`, origin: 'http://localhost:6274' })).toBe(
      200,
    )
    expect(await rawPost(s, { origin: 'http://[::1]:8080' })).toBe(200)
  })
})

describe('/mcp quotas and cancellation', () => {
  it('refuses a tool call past server.concurrency_per_key as a quota_exceeded tool error', async () => {
    const s = await start({
      keys: [KEY],
      config: { ...SLEEPY, server: { concurrency_per_key: 1 } },
    })
    const client = await connect(s, KEY)
    // Listing takes no slot.
    await client.listTools()
    const first = client.callTool({
      name: 'anon_coder',
      arguments: { code: 'import time\ntime.sleep(2)\nprint("done")' },
    })
    await waitForContainers(s.instanceId, 1)
    await client.listTools()
    const second = (await client.callTool({
      name: 'anon_coder',
      arguments: { code: 'print(2)' },
    })) as CallToolResult
    expect(second.isError).toBe(true)
    expect(textOf(second)).toMatch(
      /^quota_exceeded: This API key already has 1 executions in progress.*\(server\.concurrency_per_key\)/,
    )
    expect(await metric(s, 'tinyagent_sandbox_http_errors_total{code="quota_exceeded"}', KEY)).toBe(
      1,
    )
    expect(textOf((await first) as CallToolResult)).toBe('status: ok (exit code 0)\nstdout:\ndone')
    // The slot was given back with the first call's end.
    const third = (await client.callTool({
      name: 'anon_coder',
      arguments: { code: 'print(3)' },
    })) as CallToolResult
    expect(third.isError).toBe(false)
  })

  it('kills the container when the client cancels the call (notifications/cancelled)', async () => {
    const s = await start({ config: SLEEPY })
    const client = await connect(s)
    const controller = new AbortController()
    const call = client.callTool(
      { name: 'anon_coder', arguments: { code: 'import time\ntime.sleep(30)' } },
      undefined,
      { signal: controller.signal },
    )
    await waitForContainers(s.instanceId, 1)
    controller.abort('no longer needed')
    await expect(call).rejects.toThrow(/no longer needed/)
    await waitForContainers(s.instanceId, 0, 10_000)
  })

  it('kills the container when the client hangs up before the answer', async () => {
    const s = await start({ config: SLEEPY })
    const controller = new AbortController()
    const response = await s.post(
      '/mcp',
      {
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'anon_coder', arguments: { code: 'import time\ntime.sleep(30)' } },
      },
      { headers: MCP_HEADERS, signal: controller.signal },
    )
    expect(response.headers.get('content-type')).toBe('text/event-stream')
    await waitForContainers(s.instanceId, 1)
    controller.abort()
    await waitForContainers(s.instanceId, 0, 10_000)
  })

  it('takes no slot for a refused argument or a listing', async () => {
    const s = await start({
      config: { server: { concurrency_per_key: 1, rate_limit_per_minute: 1 } },
    })
    const bad = await rpc(s, {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'anon_coder', arguments: {} },
    })
    expect(bad.body).toMatchObject({ result: { isError: true } })
    await rpc(s, { jsonrpc: '2.0', id: 2, method: 'tools/list' })
    const ok = await rpc(s, {
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'anon_coder', arguments: { code: 'print(1)' } },
    })
    expect(ok.body).toMatchObject({
      result: { isError: false, structuredContent: { status: 'ok' } },
    })
    // The one execution of the minute was used.
    const limited = await rpc(s, {
      jsonrpc: '2.0',
      id: 4,
      method: 'tools/call',
      params: { name: 'anon_coder', arguments: { code: 'print(1)' } },
    })
    expect(limited.body).toMatchObject({ result: { isError: true } })
    expect(JSON.stringify(limited.body)).toContain('rate_limited: Rate limit reached')
  })
})

describe('the MCP Inspector (CLI mode)', () => {
  /** Runs `mcp-inspector --cli URL ...` with a home of its own, and parses what it prints. */
  async function inspect(s: TestServer, args: string[]): Promise<Record<string, unknown>> {
    const home = await mkdtemp(join(tmpdir(), 'mcp-inspector-'))
    try {
      const { stdout } = await promisify(execFile)(
        INSPECTOR,
        [
          '--cli',
          s.url('/mcp'),
          '--transport',
          'http',
          '--header',
          `Authorization: Bearer ${KEY}`,
          ...args,
        ],
        { env: { ...process.env, HOME: home }, timeout: 45_000 },
      )
      return JSON.parse(stdout) as Record<string, unknown>
    } finally {
      await rm(home, { recursive: true, force: true })
    }
  }

  it('lists the tool, with portable schemas (--strict), and calls it', async () => {
    const s = await start({ keys: [KEY] })
    const listed = await inspect(s, ['--method', 'tools/list', '--strict'])
    expect(listed).toMatchObject({
      tools: [{ name: 'anon_coder', annotations: { readOnlyHint: true, openWorldHint: false } }],
    })
    const called = await inspect(s, [
      '--method',
      'tools/call',
      '--tool-name',
      'anon_coder',
      '--tool-arg',
      'code=print(6 * 7)',
    ])
    expect(called).toMatchObject({
      content: [{ type: 'text', text: 'status: ok (exit code 0)\nstdout:\n42' }],
      structuredContent: { status: 'ok', exitCode: 0, stdout: '42\n' },
      isError: false,
    })
  })
})
