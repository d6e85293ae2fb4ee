/**
 * A process that installs the guards, holds a handle open as a server would, and then has a
 * bug of the kind named by its first argument: `rejection`, `exception`, or `hung-drain`
 * (a rejection whose drain never finishes). Run by src/cli/process-guards.test.ts with
 * `node --import tsx`.
 */
import { installProcessGuards } from '../../src/cli/process-guards.js'
import { createLogger } from '../../src/logger.js'

const mode = process.argv[2]
const server = setInterval(() => {}, 1_000)

installProcessGuards({
  logger: createLogger('info'),
  onFatal: async () => {
    if (mode === 'hung-drain') return new Promise<void>(() => {})
    await new Promise((resolve) => setTimeout(resolve, 50))
    clearInterval(server)
    process.stdout.write('drained\n')
  },
  drainTimeoutMs: 500,
})

if (mode === 'exception')
  setTimeout(() => {
    throw new Error('a bug in a callback')
  }, 10)
else void Promise.reject(new Error('a bug nobody awaited'))
