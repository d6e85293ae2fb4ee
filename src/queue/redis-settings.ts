import type { Redis } from 'ioredis'

/**
 * What in the server's settings would lose jobs: no persistence (a restart empties the
 * queue) or an eviction policy (memory pressure deletes jobs). One message per problem,
 * meant for a start-up warning; a server that refuses CONFIG gets one message saying so.
 */
export async function redisSettingsProblems(redis: Redis): Promise<string[]> {
  let appendonly: string | undefined
  let policy: string | undefined
  try {
    appendonly = pick(await redis.config('GET', 'appendonly'), 'appendonly')
    policy = pick(await redis.config('GET', 'maxmemory-policy'), 'maxmemory-policy')
  } catch (error) {
    return [
      `could not read the Redis settings (${String(error)}); make sure appendonly is yes and maxmemory-policy is noeviction (docs/scale-out.md)`,
    ]
  }
  const problems: string[] = []
  if (appendonly !== 'yes')
    problems.push(
      'Redis runs with appendonly no: a restart loses every waiting execution. Set appendonly yes (docs/scale-out.md).',
    )
  if (policy !== undefined && policy !== 'noeviction')
    problems.push(
      `Redis runs with maxmemory-policy ${policy}: under memory pressure it deletes jobs and results. Set maxmemory-policy noeviction (docs/scale-out.md).`,
    )
  return problems
}

function pick(reply: unknown, name: string): string | undefined {
  if (!Array.isArray(reply)) return undefined
  const index = reply.indexOf(name)
  const value = index >= 0 ? reply[index + 1] : undefined
  return typeof value === 'string' ? value : undefined
}
