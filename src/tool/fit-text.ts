/**
 * Cutting text to a budget counted in characters (Unicode code points, as Python's `len`
 * counts them), never splitting a surrogate pair, and saying exactly what was cut.
 */

/** A text as shown: the kept head and tail, and how much of the whole they are. */
export interface FittedText {
  readonly head: string
  readonly tail: string
  /** Characters of the whole text. */
  readonly total: number
  /** Characters kept at the start and at the end. */
  readonly headChars: number
  readonly tailChars: number
}

/** The length in code points: a character outside the BMP (an emoji) counts once. */
export function charLength(text: string): number {
  let pairs = 0
  for (let i = 0; i < text.length - 1; i++) {
    if (isHigh(text.charCodeAt(i)) && isLow(text.charCodeAt(i + 1))) {
      pairs++
      i++
    }
  }
  return text.length - pairs
}

/** The first `chars` code points. */
export function firstChars(text: string, chars: number): string {
  let index = 0
  for (let n = 0; n < chars && index < text.length; n++) {
    index += isHigh(text.charCodeAt(index)) && isLow(text.charCodeAt(index + 1)) ? 2 : 1
  }
  return text.slice(0, index)
}

/** The last `chars` code points. */
export function lastChars(text: string, chars: number): string {
  let index = text.length
  for (let n = 0; n < chars && index > 0; n++) {
    index -= isLow(text.charCodeAt(index - 1)) && isHigh(text.charCodeAt(index - 2)) ? 2 : 1
  }
  return text.slice(index)
}

/**
 * Keeps at most `budget` characters of `text`: `headShare` of them from the start, the rest
 * from the end. A cut falls on a line end when one is near (within a quarter of each side),
 * so the lines shown are whole.
 */
export function fitText(text: string, budget: number, headShare: number): FittedText {
  const total = charLength(text)
  if (total <= budget) return { head: text, tail: '', total, headChars: total, tailChars: 0 }
  const headBudget = Math.round(budget * headShare)
  const tailBudget = budget - headBudget
  let head = firstChars(text, headBudget)
  let tail = tailBudget === 0 ? '' : lastChars(text, tailBudget)
  const headBreak = head.lastIndexOf('\n')
  if (headBreak >= 0 && charLength(head.slice(headBreak)) <= headBudget / 4) {
    head = head.slice(0, headBreak)
  }
  const tailBreak = tail.indexOf('\n')
  if (tailBreak >= 0 && charLength(tail.slice(0, tailBreak + 1)) <= tailBudget / 4) {
    tail = tail.slice(tailBreak + 1)
  }
  return { head, tail, total, headChars: charLength(head), tailChars: charLength(tail) }
}

/** `1,048,576 characters, showing the first 6,000 and the last 2,000; 1,040,576 cut in the middle` */
export function describeCut(fitted: FittedText): string {
  const cut = fitted.total - fitted.headChars - fitted.tailChars
  const shown =
    fitted.tailChars === 0
      ? `showing the first ${count(fitted.headChars)}; ${count(cut)} cut at the end`
      : `showing the first ${count(fitted.headChars)} and the last ${count(fitted.tailChars)}; ${count(cut)} cut in the middle`
  return `${count(fitted.total)} characters, ${shown}`
}

/** Whether `fitText` left anything out. */
export function isCut(fitted: FittedText): boolean {
  return fitted.headChars + fitted.tailChars < fitted.total
}

export function count(n: number): string {
  return n.toLocaleString('en-US')
}

function isHigh(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff
}

function isLow(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff
}
