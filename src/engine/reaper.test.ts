import { hostname } from 'node:os'
import { describe, expect, it } from 'vitest'
import type { ContainerEngine, ManagedContainer } from './container-engine.js'
import { reap } from './reaper.js'

/** A fake of our own engine port: reaping is orchestration logic over listManaged/remove. */
function fakeEngine(containers: ManagedContainer[]): {
  engine: ContainerEngine
  removed: string[]
} {
  const removed: string[] = []
  const engine = {
    listManaged: async (instanceId?: string) =>
      containers.filter((c) => c.instanceId === instanceId),
    remove: async (id: string) => {
      removed.push(id)
    },
  } as unknown as ContainerEngine
  return { engine, removed }
}

const here = hostname()
const containers: ManagedContainer[] = [
  { id: 'dead', instanceId: 'a', owner: `${here}/111`, state: 'running', executionId: 'e' },
  { id: 'alive', instanceId: 'a', owner: `${here}/222`, state: 'running', executionId: 'e' },
  {
    id: 'other-instance',
    instanceId: 'b',
    owner: `${here}/111`,
    state: 'running',
    executionId: 'e',
  },
  { id: 'other-host', instanceId: 'a', owner: 'elsewhere/111', state: 'running', executionId: 'e' },
  { id: 'unlabelled', instanceId: 'a', owner: '', state: 'exited', executionId: 'e' },
]
const isAlive = (pid: number): boolean => pid === 222

describe('reap', () => {
  it('removes only orphans of its own instance: dead owner here, or no owner label', async () => {
    const { engine, removed } = fakeEngine(containers)
    expect(await reap(engine, { instanceId: 'a', isAlive })).toEqual(['dead', 'unlabelled'])
    expect(removed).toEqual(['dead', 'unlabelled'])
  })

  it('with includeLive removes all of its instance, and still none of another instance', async () => {
    const { engine, removed } = fakeEngine(containers)
    await reap(engine, { instanceId: 'a', includeLive: true, isAlive })
    expect(removed.sort()).toEqual(['alive', 'dead', 'other-host', 'unlabelled'])
  })
})
