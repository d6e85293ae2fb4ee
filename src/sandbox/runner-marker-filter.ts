/**
 * Removes one execution's runner markers from one output stream as it streams: on stdout
 * the end marker (`\x1etinyagent-end <secret>\n`), on stderr each result frame line
 * (`\n\x1etinyagent-result <secret> {...}\n`). Everything else passes, including text after
 * a marker (a forked child of the code may go on writing) and marker-shaped text without
 * the secret, which is the code's output. Markers start with `\x1e`, so only text from a
 * `\x1e` on is held back until the next chunk shows what it is; a newline a frame begins
 * with is dropped with it when they arrive together (the runner writes both in one write).
 */
export class RunnerMarkerFilter {
  readonly #record: string
  readonly #leadingNewline: boolean
  /** A frame's JSON runs to the end of its line; an end marker is its own line. */
  readonly #toEndOfLine: boolean
  #pending = ''
  #inFrameLine = false

  constructor(marker: string) {
    this.#leadingNewline = marker.startsWith('\n')
    this.#record = this.#leadingNewline ? marker.slice(1) : marker
    this.#toEndOfLine = !marker.endsWith('\n')
  }

  /** Returns the text that is certainly the program's own. */
  push(text: string): string {
    let rest = this.#pending + text
    this.#pending = ''
    let out = ''
    for (;;) {
      if (this.#inFrameLine) {
        const newline = rest.indexOf('\n')
        if (newline === -1) return out
        rest = rest.slice(newline + 1)
        this.#inFrameLine = false
      }
      const at = rest.indexOf(this.#record)
      if (at === -1) break
      out += rest.slice(0, this.#leadingNewline && rest[at - 1] === '\n' ? at - 1 : at)
      rest = rest.slice(at + this.#record.length)
      this.#inFrameLine = this.#toEndOfLine
    }
    const held = this.#heldSuffix(rest)
    this.#pending = rest.slice(rest.length - held)
    return out + rest.slice(0, rest.length - held)
  }

  /** What was held back, once no more output will come. */
  flush(): string {
    const rest = this.#inFrameLine ? '' : this.#pending
    this.#pending = ''
    return rest
  }

  /** Length of the suffix that may begin the marker: a partial record and the newline before it. */
  #heldSuffix(text: string): number {
    const from = text.lastIndexOf(this.#record[0] ?? '')
    if (from === -1 || !this.#record.startsWith(text.slice(from))) return 0
    return text.length - (this.#leadingNewline && text[from - 1] === '\n' ? from - 1 : from)
  }
}

/** The whole of one stream without this execution's markers. */
export function withoutMarkers(text: string, marker: string): string {
  const filter = new RunnerMarkerFilter(marker)
  return filter.push(text) + filter.flush()
}
