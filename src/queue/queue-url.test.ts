import { describe, expect, it } from 'vitest'
import { configSchema } from '../config/schema.js'
import { ConfigError } from '../errors.js'
import { QUEUE_URL_ENV, queueUrl } from './queue-url.js'

const configured = configSchema.parse({ queue: { url: 'redis://:from-file@redis-a:6379/0' } })
const unset = configSchema.parse({})

describe('queueUrl', () => {
  it('takes the environment variable over the config', () => {
    const env = { [QUEUE_URL_ENV]: 'rediss://:from-env@redis-b:6380/1' }
    expect(queueUrl(configured, env)).toBe('rediss://:from-env@redis-b:6380/1')
  })

  it('takes the config when the variable is unset or empty', () => {
    expect(queueUrl(configured, {})).toBe('redis://:from-file@redis-a:6379/0')
    expect(queueUrl(configured, { [QUEUE_URL_ENV]: '' })).toBe('redis://:from-file@redis-a:6379/0')
  })

  it('is undefined with neither: one host', () => {
    expect(queueUrl(unset, {})).toBeUndefined()
  })

  it('refuses a variable that is not a Redis URL, naming the variable', () => {
    for (const bad of ['http://redis:6379', 'redis-a:6379', 'redis://with space']) {
      let thrown: unknown
      try {
        queueUrl(configured, { [QUEUE_URL_ENV]: bad })
      } catch (error) {
        thrown = error
      }
      expect(thrown).toBeInstanceOf(ConfigError)
      expect((thrown as ConfigError).code).toBe('config_invalid')
      expect((thrown as ConfigError).message).toContain(QUEUE_URL_ENV)
      expect((thrown as ConfigError).message).toContain('expected a redis:// or rediss:// URL')
    }
  })
})
