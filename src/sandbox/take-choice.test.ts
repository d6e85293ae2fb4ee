import { describe, expect, it } from 'vitest'
import { chooseTake, type TakeSituation } from './take-choice.js'

/** gVisor-like costs: a plain start of 500 ms, an import of 2 s. */
const base: TakeSituation = {
  wantsPreloaded: true,
  readyPreloaded: false,
  readyPlain: false,
  inFlight: [],
  plainMs: 500,
  importMs: 2_000,
}

describe('chooseTake', () => {
  it('takes a ready entry of the kind the code wants', () => {
    expect(chooseTake({ ...base, readyPreloaded: true })).toEqual({ kind: 'ready' })
    expect(chooseTake({ ...base, wantsPreloaded: false, readyPlain: true })).toEqual({
      kind: 'ready',
    })
  })

  it('waits for a preloaded entry landing sooner than the import a plain one would pay', () => {
    const inFlight = [
      { preloaded: true, remainingMs: 1_900 },
      { preloaded: true, remainingMs: 800 },
    ]
    expect(chooseTake({ ...base, readyPlain: true, inFlight })).toEqual({
      kind: 'wait',
      index: 1,
      maxWaitMs: 4_000,
    })
  })

  it('takes the plain entry when no preloaded one lands before its import would be done', () => {
    const inFlight = [{ preloaded: true, remainingMs: 2_100 }]
    expect(chooseTake({ ...base, readyPlain: true, inFlight })).toEqual({ kind: 'ready' })
  })

  it('with nothing ready, weighs a preloaded one against a cold start and its import', () => {
    const inFlight = [{ preloaded: true, remainingMs: 2_400 }]
    expect(chooseTake({ ...base, inFlight })).toEqual({ kind: 'wait', index: 0, maxWaitMs: 5_000 })
    expect(chooseTake({ ...base, inFlight: [{ preloaded: true, remainingMs: 2_600 }] })).toEqual({
      kind: 'cold',
    })
  })

  it('falls back to a plain one being made only when it beats a cold start', () => {
    expect(chooseTake({ ...base, inFlight: [{ preloaded: false, remainingMs: 300 }] })).toEqual({
      kind: 'wait',
      index: 0,
      maxWaitMs: 1_000,
    })
    expect(chooseTake({ ...base, inFlight: [{ preloaded: false, remainingMs: 600 }] })).toEqual({
      kind: 'cold',
    })
  })

  it('serves other code with anything ready, else anything landing before a cold start', () => {
    const other = { ...base, wantsPreloaded: false }
    expect(chooseTake({ ...other, readyPreloaded: true })).toEqual({ kind: 'ready' })
    const inFlight = [
      { preloaded: true, remainingMs: 400 },
      { preloaded: false, remainingMs: 100 },
    ]
    expect(chooseTake({ ...other, inFlight })).toEqual({ kind: 'wait', index: 1, maxWaitMs: 1_000 })
    expect(chooseTake({ ...other, wantsPreloaded: undefined, inFlight: [] })).toEqual({
      kind: 'cold',
    })
  })
})
