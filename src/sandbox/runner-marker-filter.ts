/**
 * Streams one output stream without the runner's own trailer: on stderr the result frame
 * (`\n\x1etinyagent-result {...}\n`), on stdout the end marker (`\x1etinyagent-end\n`).
 * Markers start with `\x1e`, which ordinary output never contains, so only text from a
 * `\x1e` on is held back until the next chunk shows what it is. A newline the marker
 * begins with is dropped when it arrives in the same chunk (the runner writes each
 * marker in one write, so it nearly always does).
 */
export class RunnerMarkerFilter {
  readonly #record: string
  readonly #leadingNewline: boolean
  #pending = ''
  #done = false

  constructor(marker: string) {
    this.#leadingNewline = marker.startsWith('\n')
    this.#record = this.#leadingNewline ? marker.slice(1) : marker
  }

  /** Returns the text that is certainly the program's own. */
  push(text: string): string {
    if (this.#done) return ''
    const all = this.#pending + text
    const start = all.indexOf(this.#record)
    if (start !== -1) {
      this.#done = true
      this.#pending = ''
      return all.slice(0, this.#leadingNewline && all[start - 1] === '\n' ? start - 1 : start)
    }
    const held = this.#heldSuffix(all)
    this.#pending = all.slice(all.length - held)
    return all.slice(0, all.length - held)
  }

  /** What was held back, once no more output will come. */
  flush(): string {
    const rest = this.#done ? '' : this.#pending
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
