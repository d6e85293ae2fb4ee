/**
 * Keeps at most `limitBytes` of one output stream. The first byte past the limit calls
 * `onOverflow` once, so the caller can stop the producer instead of buffering without end.
 */
export class OutputCollector {
  readonly #limitBytes: number
  readonly #onOverflow: () => void
  readonly #onKept: ((chunk: Buffer) => void) | undefined
  #chunks: Buffer[] = []
  #size = 0
  #truncated = false

  constructor(
    limitBytes: number,
    onOverflow: () => void,
    /** Called with each piece that is kept, as it arrives. */
    onKept?: (chunk: Buffer) => void,
  ) {
    this.#limitBytes = limitBytes
    this.#onOverflow = onOverflow
    this.#onKept = onKept
  }

  get truncated(): boolean {
    return this.#truncated
  }

  text(): string {
    return Buffer.concat(this.#chunks, this.#size).toString('utf8')
  }

  push(chunk: Buffer): void {
    if (this.#truncated) return
    const room = this.#limitBytes - this.#size
    if (chunk.length <= room) {
      this.#chunks.push(chunk)
      this.#size += chunk.length
      this.#onKept?.(chunk)
      return
    }
    this.#chunks.push(chunk.subarray(0, room))
    this.#size += room
    if (room > 0) this.#onKept?.(chunk.subarray(0, room))
    this.#truncated = true
    this.#onOverflow()
  }
}
