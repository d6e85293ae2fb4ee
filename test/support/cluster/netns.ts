import { readdir } from 'node:fs/promises'
import { runCommand } from './command.js'
import { ClusterHarnessError } from './errors.js'

/** Where `ip netns add` pins a namespace; `nsenter --net=` takes this path. */
export const NETNS_DIR = '/var/run/netns'

/** A network interface: in a named namespace, or in the root namespace when `netns` is absent. */
export interface Link {
  readonly netns?: string
  readonly name: string
}

// Names go to `ip` as arguments: nothing that could read as an option or a keyword.
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/

function checked(kind: string, name: string, maxLength: number): string {
  if (!NAME.test(name) || name.length > maxLength) {
    throw new ClusterHarnessError(
      kind,
      `Expected a name of letters, digits, '-', '_' or '.' up to ${maxLength} characters, got \`${name}\``,
    )
  }
  return name
}

export function namespacePath(netns: string): string {
  return `${NETNS_DIR}/${checked('netns', netns, 64)}`
}

/** `ip` with `-n NS` when the link is inside a namespace. */
function ip(netns: string | undefined, args: readonly string[]): Promise<unknown> {
  const scope = netns === undefined ? [] : ['-n', checked('netns', netns, 64)]
  return runCommand('ip', [...scope, ...args])
}

// `ip link` reads a bare `a` as `address` and `b` as `broadcast`: always say `name`/`dev`.
const ifname = (name: string): string => checked('link', name, 15)

export async function listNamespaces(): Promise<string[]> {
  return readdir(NETNS_DIR).catch(() => [])
}

/** Creates a namespace with its loopback up (Redis and the API bind 127.0.0.1 there too). */
export async function addNamespace(netns: string): Promise<void> {
  await runCommand('ip', ['netns', 'add', checked('netns', netns, 64)])
  await ip(netns, ['link', 'set', 'dev', 'lo', 'up'])
}

/** Removes a namespace if it is there; its links go with it once no process holds it. */
export async function deleteNamespace(netns: string): Promise<void> {
  if (!(await listNamespaces()).includes(netns)) return
  await runCommand('ip', ['netns', 'delete', checked('netns', netns, 64)])
}

export async function addBridge(bridge: Link): Promise<void> {
  await ip(bridge.netns, ['link', 'add', 'name', ifname(bridge.name), 'type', 'bridge'])
  await ip(bridge.netns, ['link', 'set', 'dev', bridge.name, 'up'])
}

/** A veth pair, each end created straight in its own namespace (no rename, no name clash). */
export async function addVethPair(end: Link, peer: Link): Promise<void> {
  const peerScope = peer.netns === undefined ? [] : ['netns', checked('netns', peer.netns, 64)]
  await ip(end.netns, [
    'link',
    'add',
    'name',
    ifname(end.name),
    'type',
    'veth',
    'peer',
    'name',
    ifname(peer.name),
    ...peerScope,
  ])
}

/** Plugs a link into a bridge in the same namespace and brings it up. */
export async function attachToBridge(link: Link, bridge: string): Promise<void> {
  await ip(link.netns, ['link', 'set', 'dev', ifname(link.name), 'master', ifname(bridge), 'up'])
}

/** Adds an address such as `10.233.7.11/24` and brings the link up. */
export async function addAddress(link: Link, cidr: string): Promise<void> {
  await ip(link.netns, ['address', 'add', cidr, 'dev', ifname(link.name)])
  await ip(link.netns, ['link', 'set', 'dev', link.name, 'up'])
}

/** Up or down: a link set down drops every frame, as a pulled cable would. */
export async function setLinkUp(link: Link, up: boolean): Promise<void> {
  await ip(link.netns, ['link', 'set', 'dev', ifname(link.name), up ? 'up' : 'down'])
}

export async function linkExists(link: Link): Promise<boolean> {
  return ip(link.netns, ['link', 'show', 'dev', ifname(link.name)]).then(
    () => true,
    () => false,
  )
}

/** Deletes a link if it is there; deleting one end of a veth pair deletes both. */
export async function deleteLink(link: Link): Promise<void> {
  if (!(await linkExists(link))) return
  await ip(link.netns, ['link', 'delete', 'dev', ifname(link.name)])
}

/** Names of the links in a namespace (the root one when `netns` is absent). */
export async function listLinks(netns?: string): Promise<string[]> {
  const scope = netns === undefined ? [] : ['-n', checked('netns', netns, 64)]
  const { stdout } = await runCommand('ip', [...scope, '-j', 'link', 'show'])
  return (JSON.parse(stdout) as { ifname: string }[]).map((link) => link.ifname)
}
