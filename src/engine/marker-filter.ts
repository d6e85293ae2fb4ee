/**
 * Removes the runner's markers from one output stream as it streams, leaving the code's
 * own output: on stdout each end marker (a line of its own), on stderr each result frame
 * line (`\n<prefix><json>\n`), whose body it keeps aside (the last one, up to a cap) for the
 * caller to read. Everything else passes, including text after a marker (a process the
 * code forked may go on writing) and marker-shaped text without the execution's secret.
 * Markers start with `\x1e`, so only text from a `\x1e` on is held back until the next
 * chunk shows what it is; a newline a frame begins with is dropped with it when they arrive
 * together (the runner writes both in one write).
 */
export class MarkerFilter {
  readonly #record: string
  readonly #leadingNewline: boolean
  /** A frame's JSON runs to the end of its line; an end marker is its own line. */
  readonly #toEndOfLine: boolean
  readonly #lineCap: number
  #pending = ''
  #inLine = false
  #line = ''
  #lastLine: string | undefined
  #tooLong = false
  #lineOverflow = false

  /**
   * @param marker - the marker; one that starts with `\n` takes the newline before it too.
   * @param lineCap - the most characters of a frame line's body kept. @default 0
   */
  constructor(marker: string, lineCap = 0) {
    this.#leadingNewline = marker.startsWith('\n')
    this.#record = this.#leadingNewline ? marker.slice(1) : marker
    this.#toEndOfLine = !marker.endsWith('\n')
    this.#lineCap = lineCap
  }

  /** The body of the last whole frame line (after the marker, without its newline). */
  get lastLine(): string | undefined {
    return this.#lastLine
  }

  /** A frame line was longer than the cap (its body is not kept). */
  get lineOverflow(): boolean {
    return this.#lineOverflow
  }

  /** Returns the text that is certainly the program's own. */
  push(text: string): string {
    let rest = this.#pending + text
    this.#pending = ''
    let out = ''
    for (;;) {
      if (this.#inLine) {
        const newline = rest.indexOf('\n')
        this.#keep(newline === -1 ? rest : rest.slice(0, newline))
        if (newline === -1) return out
        this.#endLine()
        rest = rest.slice(newline + 1)
      }
      const at = rest.indexOf(this.#record)
      if (at === -1) break
      out += rest.slice(0, this.#leadingNewline && rest[at - 1] === '\n' ? at - 1 : at)
      rest = rest.slice(at + this.#record.length)
      this.#inLine = this.#toEndOfLine
    }
    const held = this.#heldSuffix(rest)
    this.#pending = rest.slice(rest.length - held)
    return out + rest.slice(0, rest.length - held)
  }

  /** What was held back, once no more output will come. */
  flush(): string {
    const rest = this.#inLine ? '' : this.#pending
    this.#pending = ''
    return rest
  }

  #keep(piece: string): void {
    if (this.#tooLong) return
    if (this.#line.length + piece.length > this.#lineCap) {
      this.#tooLong = true
      this.#lineOverflow = true
      this.#line = ''
      return
    }
    this.#line += piece
  }

  #endLine(): void {
    this.#inLine = false
    if (!this.#tooLong) this.#lastLine = this.#line
    this.#tooLong = false
    this.#line = ''
  }

  /** Length of the suffix that may begin the marker: a partial record and the newline before it. */
  #heldSuffix(text: string): number {
    const from = text.lastIndexOf(this.#record[0] ?? '')
    if (from === -1 || !this.#record.startsWith(text.slice(from))) return 0
    return text.length - (this.#leadingNewline && text[from - 1] === '\n' ? from - 1 : from)
  }
}
