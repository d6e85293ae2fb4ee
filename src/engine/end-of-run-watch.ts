/** What the runner writes when it has reported: see src/sandbox/runner-markers.ts. */
export interface EndOfRunMarkers {
  /** The last bytes the runner writes to stdout. */
  readonly stdoutSuffix: string
  /** The start of the last line the runner writes to stderr (the line ends with `\n`). */
  readonly stderrLinePrefix: string
}

/**
 * Tells, as output arrives, whether the runner has reported: stdout ends with its suffix
 * and stderr's last line starts with its prefix. Each chunk is scanned once, carrying only
 * a marker's length over, so the work is linear in the output whatever its chunking
 * (re-reading a tail after every chunk was quadratic: 16,000 one-byte chunks, 104 s).
 */
export class EndOfRunWatch {
  readonly #stdout: SuffixWatch
  readonly #stderr: LastLineWatch

  constructor(markers: EndOfRunMarkers) {
    this.#stdout = new SuffixWatch(Buffer.from(markers.stdoutSuffix, 'utf8'))
    this.#stderr = new LastLineWatch(Buffer.from(markers.stderrLinePrefix, 'utf8'))
  }

  push(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    if (stream === 'stdout') this.#stdout.push(chunk)
    else this.#stderr.push(chunk)
  }

  get complete(): boolean {
    return this.#stdout.matched && this.#stderr.matched
  }
}

/** Whether a stream currently ends with `suffix`. */
class SuffixWatch {
  #tail = Buffer.alloc(0)
  constructor(private readonly suffix: Buffer) {}

  push(chunk: Buffer): void {
    const joined = Buffer.concat([this.#tail, chunk])
    this.#tail = joined.subarray(Math.max(0, joined.length - this.suffix.length))
  }

  get matched(): boolean {
    return this.#tail.equals(this.suffix)
  }
}

/** Whether a stream currently ends with one whole line that starts with `prefix`. */
class LastLineWatch {
  /** The last `prefix.length - 1` bytes, to find a prefix split across chunks. */
  #carry = Buffer.alloc(0)
  /** A prefix was seen with no newline after it yet, or only a final one. */
  #inLine = false
  #endsWithNewline = false

  constructor(private readonly prefix: Buffer) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return
    const joined = Buffer.concat([this.#carry, chunk])
    const start = this.#carry.length
    const found = joined.lastIndexOf(this.prefix)
    // Only a prefix that ends inside this chunk is new; one wholly inside the carry was seen before.
    const fresh = found !== -1 && found + this.prefix.length > start
    const afterPrefix = fresh ? found + this.prefix.length : start
    const newline = joined.indexOf(0x0a, afterPrefix)
    if (fresh) this.#inLine = newline === -1 || newline === joined.length - 1
    else if (this.#inLine && this.#endsWithNewline) this.#inLine = false
    else if (this.#inLine && newline !== -1 && newline !== joined.length - 1) this.#inLine = false
    this.#endsWithNewline = joined[joined.length - 1] === 0x0a
    this.#carry = joined.subarray(Math.max(0, joined.length - (this.prefix.length - 1)))
  }

  get matched(): boolean {
    return this.#inLine && this.#endsWithNewline
  }
}
