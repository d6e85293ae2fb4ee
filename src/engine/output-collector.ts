import { Writable } from 'node:stream'

/**
 * Keeps at most `limitBytes` of one output stream. The first byte past the limit calls
 * `onOverflow` once, so the caller can stop the producer instead of buffering without end.
 */
export class OutputCollector {
  readonly writable: Writable
  #chunks: Buffer[] = []
  #size = 0
  #truncated = false

  constructor(
    private readonly limitBytes: number,
    onOverflow: () => void,
    /** Called with each piece that is kept, as it arrives. */
    private readonly onKept?: (chunk: Buffer) => void,
  ) {
    this.writable = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        this.#take(chunk, onOverflow)
        callback()
      },
    })
  }

  get truncated(): boolean {
    return this.#truncated
  }

  text(): string {
    return Buffer.concat(this.#chunks, this.#size).toString('utf8')
  }

  /** The last `bytes` bytes kept so far, decoded (a character cut at the start becomes U+FFFD). */
  tail(bytes: number): string {
    const picked: Buffer[] = []
    let size = 0
    for (let i = this.#chunks.length - 1; i >= 0 && size < bytes; i--) {
      const chunk = this.#chunks[i] as Buffer
      picked.unshift(chunk)
      size += chunk.length
    }
    const joined = Buffer.concat(picked, size)
    return joined.subarray(Math.max(0, size - bytes)).toString('utf8')
  }

  #take(chunk: Buffer, onOverflow: () => void): void {
    if (this.#truncated) return
    const room = this.limitBytes - this.#size
    if (chunk.length <= room) {
      this.#chunks.push(chunk)
      this.#size += chunk.length
      this.onKept?.(chunk)
      return
    }
    this.#chunks.push(chunk.subarray(0, room))
    this.#size += room
    if (room > 0) this.onKept?.(chunk.subarray(0, room))
    this.#truncated = true
    onOverflow()
  }
}
