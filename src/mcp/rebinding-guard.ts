import { isLoopbackHost } from '../server/loopback.js'

/**
 * Why a request to a server bound to loopback is refused, or undefined when it may pass. A web
 * page can make a browser send requests to 127.0.0.1 under a name of its own (DNS rebinding);
 * such a request names that name in `Host`, or the page's site in `Origin`. So both, when
 * present, must name a loopback address or `localhost`. Clients that are not browsers send no
 * `Origin`.
 */
export function rebindingRefusal(headers: {
  readonly host?: string | undefined
  readonly origin?: string | undefined
}): string | undefined {
  const { host, origin } = headers
  if (host === undefined || !isLoopbackName(hostnameOf(`http://${host}`))) {
    return `Invalid Host header \`${host ?? ''}\`: this server is bound to loopback and only answers requests for localhost, 127.0.0.1 or [::1].`
  }
  if (origin !== undefined && !isLoopbackName(hostnameOf(origin))) {
    return `Invalid Origin header \`${origin}\`: this server is bound to loopback and only answers pages served from localhost, 127.0.0.1 or [::1].`
  }
  return undefined
}

function hostnameOf(url: string): string | undefined {
  try {
    const parsed = new URL(url)
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.hostname : undefined
  } catch {
    return undefined
  }
}

function isLoopbackName(hostname: string | undefined): boolean {
  if (hostname === undefined) return false
  // The URL API keeps an IPv6 address's brackets.
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname
  return isLoopbackHost(bare)
}
