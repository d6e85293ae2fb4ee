import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { LABEL_EXECUTION } from '../../../src/engine/labels.js'

/** A container of an execution started, or ended, on one worker's engine. */
export interface ContainerEvent {
  readonly engine: string
  readonly containerId: string
  /** The engine's own clock, in ms since the epoch. */
  readonly atMs: number
}

export interface ContainerEnd extends ContainerEvent {
  /** 124: the image's init ended it at its deadline; 137: SIGKILL, from `docker kill`. */
  readonly exitCode: number
}

interface EngineEvent {
  readonly Action?: string
  readonly Actor?: { readonly ID?: string; readonly Attributes?: Record<string, string> }
  readonly timeNano?: number
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Container starts and ends per execution id (the container's execution label) across the
 * worker engines, read from each engine's own event stream: a witness outside the code under
 * test. Containers are removed after each run, so `docker ps -a` alone would miss them.
 */
export class ContainerEvents {
  readonly #starts = new Map<string, ContainerEvent[]>()
  readonly #ends = new Map<string, ContainerEnd[]>()
  /** Engine, container, action and time of every event seen: a replayed one counts once. */
  readonly #seen = new Set<string>()
  readonly #streams = new Map<string, ChildProcess>()

  /**
   * Follows `docker events` of one engine from `sinceMs` on (the engine replays what it holds
   * since then, so nothing between this call and the stream's connection is missed). Call it
   * again after the engine restarts: its stream ends with the engine.
   */
  watch(engine: string, dockerHost: string, sinceMs = Date.now()): void {
    this.#streams.get(engine)?.kill('SIGKILL')
    const child = spawn(
      'docker',
      [
        ...['-H', dockerHost, 'events', '--since', String(Math.floor(sinceMs / 1_000))],
        ...['--filter', 'type=container', '--filter', 'event=start', '--filter', 'event=die'],
        ...['--format', '{{json .}}'],
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    )
    child.on('error', () => {})
    this.#streams.set(engine, child)
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
    lines.on('line', (line) => this.#record(engine, line))
  }

  #record(engine: string, line: string): void {
    let event: EngineEvent
    try {
      event = JSON.parse(line) as EngineEvent
    } catch {
      return
    }
    const attributes = event.Actor?.Attributes ?? {}
    const id = attributes[LABEL_EXECUTION]
    if (id === undefined || (event.Action !== 'start' && event.Action !== 'die')) return
    const containerId = event.Actor?.ID ?? ''
    const key = `${engine}/${containerId}/${event.Action}/${String(event.timeNano)}`
    if (this.#seen.has(key)) return
    this.#seen.add(key)
    const base = { engine, containerId, atMs: Math.floor((event.timeNano ?? 0) / 1e6) }
    if (event.Action === 'start') push(this.#starts, id, base)
    else push(this.#ends, id, { ...base, exitCode: Number(attributes.exitCode) })
  }

  /** Every start of this execution's containers seen so far, on any engine. */
  starts(id: string): readonly ContainerEvent[] {
    return this.#starts.get(id) ?? []
  }

  ends(id: string): readonly ContainerEnd[] {
    return this.#ends.get(id) ?? []
  }

  /** Waits until a start of the execution has been seen; returns the starts. */
  async started(id: string, timeoutMs = 20_000): Promise<readonly ContainerEvent[]> {
    await until(() => this.starts(id).length > 0, timeoutMs, `no container start of ${id}`)
    return this.starts(id)
  }

  /** Waits until a container of the execution has ended; returns how. */
  async ended(id: string, timeoutMs = 30_000): Promise<ContainerEnd> {
    await until(() => this.ends(id).length > 0, timeoutMs, `no container end of ${id}`)
    return this.ends(id)[0] as ContainerEnd
  }

  /** Executions whose containers were started more than once, with those starts. */
  duplicates(): [string, readonly ContainerEvent[]][] {
    return [...this.#starts].filter(([, list]) => list.length > 1)
  }

  close(): void {
    for (const child of this.#streams.values()) child.kill('SIGKILL')
    this.#streams.clear()
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key) ?? []
  list.push(value)
  map.set(key, list)
}

async function until(done: () => boolean, timeoutMs: number, failure: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${failure} within ${timeoutMs} ms`)
    await sleep(50)
  }
}
