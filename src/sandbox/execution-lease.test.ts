import { describe, expect, it } from 'vitest'
import { configSchema } from '../config/schema.js'
import { silentLogger } from '../logger.js'
import type { ContainerExecution } from './container-execution.js'
import { leaseWarm } from './execution-lease.js'
import type { TakeHint, WarmPool } from './warm-pool.js'

const config = configSchema.parse({})

/** A pool that records what it was asked for and has nothing ready. */
function askingPool(): { pool: WarmPool; asked: TakeHint[] } {
  const asked: TakeHint[] = []
  const pool = {
    acquire: async (hint: TakeHint) => void asked.push(hint),
  } as unknown as WarmPool
  return { pool, asked }
}

function execution(pool: WarmPool, code: string, setupCode?: string): ContainerExecution {
  return {
    config,
    pool,
    request: {
      code,
      ...(setupCode === undefined ? {} : { setupCode }),
      timeoutSeconds: 5,
      limits: config.code_execution.limits,
      files: [],
    },
  } as unknown as ContainerExecution
}

describe('leaseWarm', () => {
  it('asks for a preloaded container when the code imports a preloaded module', async () => {
    const { pool, asked } = askingPool()
    await leaseWarm(execution(pool, 'import pandas as pd\nprint(pd.__version__)'))
    await leaseWarm(execution(pool, 'print(df)', 'import numpy as np\ndf = np.zeros(3)'))
    expect(asked).toEqual([{ wantsPreloaded: true }, { wantsPreloaded: true }])
  })

  it('asks for a plain container for other code', async () => {
    const { pool, asked } = askingPool()
    await leaseWarm(execution(pool, 'import json\nprint(json.dumps(1))'))
    expect(asked).toEqual([{ wantsPreloaded: false }])
  })

  it('does not take from the pool when the request lowers a limit', async () => {
    const { pool, asked } = askingPool()
    const lowered = execution(pool, 'print(1)')
    const request = { ...lowered.request, limits: { ...lowered.request.limits, memory_mb: 64 } }
    expect(await leaseWarm({ ...lowered, request, logger: silentLogger })).toBeUndefined()
    expect(asked).toEqual([])
  })
})
