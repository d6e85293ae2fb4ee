/** Longest `text` a violation carries, so reports stay one line per finding. */
const MAX_TEXT = 80

export interface Position {
  /** 1-based. */
  readonly line: number
  /** 1-based, counted in characters (code points), as Python counts them. */
  readonly column: number
}

/**
 * Turns offsets into the source into line/column pairs. Python accepts `\n`, `\r\n` and a lone
 * `\r` as line ends, so all three start a new line here too.
 */
export class SourcePositions {
  readonly #source: string
  readonly #lineStarts: number[] = [0]

  constructor(source: string) {
    this.#source = source
    for (let i = 0; i < source.length; i++) {
      const ch = source.charCodeAt(i)
      if (ch === 13 && source.charCodeAt(i + 1) === 10) continue
      if (ch === 10 || ch === 13) this.#lineStarts.push(i + 1)
    }
  }

  at(offset: number): Position {
    const lineIndex = this.#lineIndexOf(offset)
    const lineStart = this.#lineStarts[lineIndex] ?? 0
    // Code points, not UTF-16 units: an emoji earlier on the line counts once, as in Python.
    const column = Array.from(this.#source.slice(lineStart, offset)).length + 1
    return { line: lineIndex + 1, column }
  }

  /** The source between two offsets, cut at the first line break and at 80 characters. */
  excerpt(from: number, to: number): string {
    const raw = this.#source.slice(from, to)
    const lineBreak = raw.search(/[\r\n]/)
    const chars = Array.from(lineBreak === -1 ? raw : raw.slice(0, lineBreak).trimEnd())
    if (lineBreak === -1 && chars.length <= MAX_TEXT) return raw
    return `${chars.slice(0, MAX_TEXT - 1).join('')}…`
  }

  /** The rest of the line from `offset`, for "near `…`" messages. */
  restOfLine(offset: number): string {
    const rest = this.#source.slice(offset)
    const lineBreak = rest.search(/[\r\n]/)
    return lineBreak === -1 ? rest : rest.slice(0, lineBreak)
  }

  #lineIndexOf(offset: number): number {
    let low = 0
    let high = this.#lineStarts.length - 1
    while (low < high) {
      const mid = (low + high + 1) >> 1
      if ((this.#lineStarts[mid] ?? 0) <= offset) low = mid
      else high = mid - 1
    }
    return low
  }
}
