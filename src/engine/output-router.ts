import { Writable } from 'node:stream'

type Listener = (stream: 'stdout' | 'stderr', chunk: Buffer) => void

/** Early stdout kept while waiting for a ready marker: enough for any marker, never more. */
const EARLY_BYTES = 256

/**
 * Sends a container's demultiplexed output to whoever runs the execution now. Before that,
 * output is not the code's (a warm runner's preloading): it is dropped, except the last few
 * bytes of stdout, where the ready marker is looked for.
 */
export class OutputRouter {
  #listener: Listener | undefined
  #early = ''
  #onEarly: (() => void) | undefined

  writable(stream: 'stdout' | 'stderr'): Writable {
    return new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        if (this.#listener !== undefined) this.#listener(stream, chunk)
        else if (stream === 'stdout') this.#keepEarly(chunk)
        callback()
      },
    })
  }

  /** From now on every chunk goes to `listener`. */
  attach(listener: Listener): void {
    this.#listener = listener
    this.#onEarly = undefined
    this.#early = ''
  }

  /** Resolves once early stdout has shown `marker` (possibly already). */
  waitForEarly(marker: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const check = (): void => {
        if (!this.#early.includes(marker)) return
        this.#onEarly = undefined
        resolve()
      }
      this.#onEarly = check
      check()
    })
  }

  #keepEarly(chunk: Buffer): void {
    this.#early = (this.#early + chunk.toString('latin1')).slice(-EARLY_BYTES)
    this.#onEarly?.()
  }
}
