import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertCliBuilt, CLI_MAIN, testInstanceId, Workspace } from '../support/cli.js'
import { containersOf } from '../support/managed-containers.js'

let ws: Workspace
let client: Client
let transport: StdioClientTransport
const instanceId = testInstanceId()

beforeAll(async () => {
  await assertCliBuilt()
  ws = await Workspace.create()
  const config = await ws.file(
    'mcp.yml',
    `orchestrator:\n  instance_id: ${instanceId}\ncode_execution:\n  allowed_operations:\n    imports: ["time"]\n`,
  )
  client = new Client({ name: 'tinyagent-sandbox-test', version: '0.0.0' })
  transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI_MAIN, 'mcp', '--config', config],
    cwd: ws.dir,
    stderr: 'ignore',
  })
  await client.connect(transport)
})

afterAll(async () => {
  // The SDK's close() ends stdin, then SIGKILLs after 4 s: on a loaded machine that can cut
  // the server's own cleanup short. A host that waits for the exit is what is tested here:
  // stdin closed, the server removes every container and exits.
  const pid = transport?.pid
  await endStdin(transport)
  if (pid !== null && pid !== undefined) await exited(pid, 60_000)
  await client?.close()
  await ws?.remove()
  expect(await containersOf(instanceId)).toStrictEqual([])
})

async function endStdin(stdio: StdioClientTransport | undefined): Promise<void> {
  // No public way to end only stdin; the transport keeps its child here.
  const child = (stdio as unknown as { _process?: { stdin?: { end(): void } } } | undefined)
    ?._process
  child?.stdin?.end()
}

async function exited(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      process.kill(pid, 0)
    } catch {
      return
    }
    if (Date.now() > deadline) throw new Error(`the mcp server (pid ${pid}) did not exit`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function call(args: Record<string, unknown>): Promise<{ text: string; isError: boolean }> {
  const result = (await client.callTool({ name: 'anon_coder', arguments: args })) as CallToolResult
  const [first] = result.content
  return { text: first?.type === 'text' ? first.text : '', isError: result.isError === true }
}

describe('tinyagent-sandbox mcp (stdio)', () => {
  it('lists anon_coder with its parameters and the imports the config allows', async () => {
    const { tools } = await client.listTools()
    expect(tools.map((tool) => tool.name)).toStrictEqual(['anon_coder'])
    const [tool] = tools
    expect(Object.keys(tool?.inputSchema.properties ?? {})).toStrictEqual([
      'code',
      'timeout',
      'setup_code',
    ])
    expect(tool?.inputSchema.required).toStrictEqual(['code'])
    // The schema says what the server enforces: no argument besides these.
    expect(tool?.inputSchema.additionalProperties).toBe(false)
    expect(tool?.description).toContain(
      'Allowed imports: math, random, string, re, collections, itertools, json, datetime, statistics, functools, operator, numpy, pandas, time; any other import is refused.',
    )
    expect(tool?.description).toContain('File access (open()) is not allowed.')
  })

  it('runs code and returns its output with status ok', async () => {
    expect(await call({ code: 'print(sum(range(10)))' })).toStrictEqual({
      text: 'status: ok (exit code 0)\nstdout:\n45',
      isError: false,
    })
  })

  it('reports the output as progress while the code runs, when the client asks for progress', async () => {
    const progress: { progress: number; message?: string | undefined }[] = []
    const result = (await client.callTool(
      {
        name: 'anon_coder',
        arguments: {
          code: 'import time\nfor i in range(3):\n    print("tick", i, flush=True)\n    time.sleep(0.3)',
        },
      },
      undefined,
      { onprogress: (p) => progress.push(p) },
    )) as CallToolResult
    expect(result.isError).not.toBe(true)
    // Every tick arrived as progress, in order; progress only grows.
    expect(progress.map((p) => p.message ?? '').join('')).toBe('tick 0\ntick 1\ntick 2\n')
    const values = progress.map((p) => p.progress)
    expect(values).toStrictEqual([...values].sort((a, b) => a - b))
    expect(progress.length).toBeGreaterThanOrEqual(2)
  })

  it('returns a policy violation with the line and the setting that would allow it, running nothing', async () => {
    const { text, isError } = await call({ code: 'import socket\n' })
    expect(isError).toBe(true)
    expect(text).toBe(
      [
        'status: policy_violation',
        'violation at line 1, column 8: `socket` is not an allowed import (`socket`); add `socket` to code_execution.allowed_operations.imports',
        'Nothing was run. Rewrite the code without the refused constructs.',
      ].join('\n'),
    )
  })

  it('stops code at the timeout the call asked for', async () => {
    const { text, isError } = await call({ code: 'import time\ntime.sleep(30)', timeout: 1 })
    expect(isError).toBe(true)
    expect(text).toBe(
      'status: timeout\nStopped after the 1 s time limit that the request asked for (code_execution.timeout_seconds allows up to 10 s).',
    )
  })

  it('lowers a timeout above the configured one to it, and says so', async () => {
    expect(await call({ code: 'print(1)', timeout: 60 })).toStrictEqual({
      text: 'status: ok (exit code 0)\nnote: timeout 60 s was lowered to the configured maximum of 10 s (code_execution.timeout_seconds).\nstdout:\n1',
      isError: false,
    })
  })

  it('refuses an unknown argument as a tool error naming it and the accepted ones', async () => {
    expect(await call({ code: 'print(1)', language: 'python' })).toStrictEqual({
      text: 'invalid_argument: Invalid `language`: unknown key; expected one of: code, timeout, setup_code',
      isError: true,
    })
  })

  it('runs setup_code first, in the same namespace as the code', async () => {
    expect(await call({ setup_code: 'x = 41', code: 'print(x + 1)' })).toStrictEqual({
      text: 'status: ok (exit code 0)\nstdout:\n42',
      isError: false,
    })
  })

  it('refuses setup_code the policy refuses, running nothing', async () => {
    const { text, isError } = await call({ setup_code: 'import socket', code: 'print("ran")' })
    expect(isError).toBe(true)
    expect(text).toBe(
      [
        'status: policy_violation',
        'violation in setup_code at line 1, column 8: `socket` is not an allowed import (`socket`); add `socket` to code_execution.allowed_operations.imports',
        'Nothing was run. Rewrite the code without the refused constructs.',
      ].join('\n'),
    )
  })

  it('cuts a huge output to tool.result_chars, saying what was cut', async () => {
    const { text, isError } = await call({ code: 'print("x" * 1_000_000)' })
    expect(isError).toBe(false)
    expect(text.length).toBeLessThanOrEqual(12_000)
    expect(text).toMatch(
      /^status: ok \(exit code 0\)\nstdout: 1,000,000 characters, showing the first [\d,]+ and the last [\d,]+; [\d,]+ cut in the middle:\nxxx/,
    )
    expect(text).toContain('print less')
  })
})
