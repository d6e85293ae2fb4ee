/**
 * A look-up that runs once and keeps its answer. One that fails is forgotten, so the next
 * call tries again: an engine that was down may be back.
 */
export function lookUpOnce<T>(lookUp: () => Promise<T>): () => Promise<T> {
  let answer: Promise<T> | undefined
  return () => {
    answer ??= lookUp().catch((error: unknown) => {
      answer = undefined
      throw error
    })
    return answer
  }
}
