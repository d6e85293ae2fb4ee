import type { EndOfRunMarkers } from './end-of-run-watch.js'
import { MarkerFilter } from './marker-filter.js'
import { OutputCollector } from './output-collector.js'

type Stream = 'stdout' | 'stderr'

export interface CodeOutputOptions {
  /** Cap on what the code writes to each stream; past it `onOverflow` is called once. */
  readonly limitBytes: number
  /** The runner's markers, taken out of the output; without them every byte is the code's. */
  readonly markers?: EndOfRunMarkers | undefined
  /** The largest runner report (frame body) kept. */
  readonly reportBytes: number
  readonly onOverflow: () => void
  /** Receives the code's output as it is kept (markers removed, within the cap). */
  readonly onKept?: ((stream: Stream, chunk: Buffer) => void) | undefined
}

/**
 * One execution's output as the caller sees it: the code's own bytes on each stream, held to
 * the cap on every surface (streamed and returned alike), and beside them the runner's last
 * report. The cap counts only what the code wrote: the runner's frame has its own bound.
 */
export class CodeOutput {
  readonly #filters: Record<Stream, MarkerFilter> | undefined
  readonly #collectors: Record<Stream, OutputCollector>

  constructor(options: CodeOutputOptions) {
    const { markers } = options
    this.#filters = markers && {
      stdout: new MarkerFilter(markers.stdoutSuffix),
      stderr: new MarkerFilter(`\n${markers.stderrLinePrefix}`, options.reportBytes),
    }
    const collector = (stream: Stream): OutputCollector =>
      new OutputCollector(options.limitBytes, options.onOverflow, (chunk) =>
        options.onKept?.(stream, chunk),
      )
    this.#collectors = { stdout: collector('stdout'), stderr: collector('stderr') }
  }

  push(stream: Stream, chunk: Buffer): void {
    const filter = this.#filters?.[stream]
    // Latin-1 maps bytes to characters one to one, and a marker's bytes never occur inside a
    // multi-byte UTF-8 character, so filtering never splits or changes a character.
    const kept =
      filter === undefined ? chunk : Buffer.from(filter.push(chunk.toString('latin1')), 'latin1')
    if (kept.length > 0) this.#collectors[stream].push(kept)
  }

  /** Releases what the filters held back: the output is over. */
  end(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.#filters?.[stream].flush()
      if (rest) this.#collectors[stream].push(Buffer.from(rest, 'latin1'))
    }
  }

  text(stream: Stream): string {
    return this.#collectors[stream].text()
  }

  truncated(stream: Stream): boolean {
    return this.#collectors[stream].truncated
  }

  /** The body of the runner's last report line, as it wrote it. */
  get report(): string | undefined {
    const line = this.#filters?.stderr.lastLine
    return line === undefined ? undefined : Buffer.from(line, 'latin1').toString('utf8')
  }
}
