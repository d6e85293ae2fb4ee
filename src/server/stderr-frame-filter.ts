import { FRAME_MARKER } from '../sandbox/runner-frame.js'

/** The marker without its leading newline: `\x1e` never occurs in ordinary output. */
const RECORD = FRAME_MARKER.slice(1)

/**
 * Streams stderr without the runner's closing result frame (`\n\x1etinyagent-result {...}\n`).
 * Only text that could be the start of the frame's record is held back, which ordinary
 * output never is; the newline before the record is dropped when it arrives in the same
 * chunk (the runner writes the frame in one write, so it nearly always does).
 */
export class StderrFrameFilter {
  #pending = ''
  #done = false

  /** Returns the text that is certainly the program's own. */
  push(text: string): string {
    if (this.#done) return ''
    const all = this.#pending + text
    const start = all.indexOf(RECORD)
    if (start !== -1) {
      this.#done = true
      this.#pending = ''
      return all.slice(0, all[start - 1] === '\n' ? start - 1 : start)
    }
    const held = heldSuffix(all)
    this.#pending = all.slice(all.length - held)
    return all.slice(0, all.length - held)
  }

  /** What was held back, once no more output will come. */
  flush(): string {
    const rest = this.#done ? '' : this.#pending
    this.#pending = ''
    return rest
  }
}

/** Length of the suffix that may begin the frame: a partial record marker and the newline before it. */
function heldSuffix(text: string): number {
  const from = text.lastIndexOf(RECORD[0] ?? '')
  if (from === -1 || !RECORD.startsWith(text.slice(from))) return 0
  return text.length - (text[from - 1] === '\n' ? from - 1 : from)
}
