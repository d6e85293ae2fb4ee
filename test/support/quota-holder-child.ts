/**
 * An API node that takes one quota slot and holds it, renewing, until it is killed: a node
 * that can crash for real. Arguments: Redis URL, queue name, client, slot TTL and renewal
 * interval (ms). Prints `held` once the slot is taken. Run with `node --import tsx`.
 */
import { RedisClientLimits } from '../../src/server/redis-client-limits.js'

const [url = '', queueName = '', client = '', slotTtlMs = '', renewEveryMs = ''] =
  process.argv.slice(2)
const quota = await RedisClientLimits.create({
  url,
  queueName,
  perMinute: 1_000,
  concurrent: 1,
  slotTtlMs: Number(slotTtlMs),
  renewEveryMs: Number(renewEveryMs),
})
await quota.acquire(client)
process.stdout.write('held\n')
// The renewal timer is unref'd, as a server's is; this stands in for the server.
setInterval(() => {}, 1_000)
