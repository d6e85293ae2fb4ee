import { isIP } from 'node:net'

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1 and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true
  const v4 = host.startsWith('::ffff:') ? host.slice('::ffff:'.length) : host
  return isIP(v4) === 4 && v4.startsWith('127.')
}
