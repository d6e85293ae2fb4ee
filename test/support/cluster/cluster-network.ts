import {
  addAddress,
  addBridge,
  addNamespace,
  addVethPair,
  attachToBridge,
  type Link,
} from './netns.js'
import type { ClusterStateFile } from './state-file.js'

/** The bridge inside the switch namespace; every host (root included) has one port on it. */
const BRIDGE = 'br0'

/**
 * The cluster's network: one switch namespace holding a Linux bridge, one veth pair per host.
 * The bridge is not in the root namespace on purpose: there, with br_netfilter loaded (Docker
 * loads it) and iptables' FORWARD policy at DROP (Docker sets it), frames bridged between two
 * namespaces go through the root FORWARD chain and are dropped. The switch namespace has an
 * empty ruleset, so it forwards everything, and nothing in the firewall of the machine changes.
 */
export class ClusterNetwork {
  readonly switchNs: string
  readonly #state: ClusterStateFile
  readonly #prefix: string

  constructor(state: ClusterStateFile, prefix: string) {
    this.#state = state
    this.#prefix = prefix
    this.switchNs = `${state.state.name}-sw`
  }

  /** `10.233.X.N` */
  address(host: number): string {
    return `${this.#prefix}.${host}`
  }

  async createSwitch(): Promise<void> {
    await this.#addNamespace(this.switchNs)
    await addBridge({ netns: this.switchNs, name: BRIDGE })
  }

  /**
   * Gives the root namespace a port and an address, so tests reach every host directly. The
   * root end is named `<cluster>-r`; deleting it deletes its peer on the switch.
   */
  async connectRoot(host: number): Promise<void> {
    const rootLink = { name: `${this.#state.state.name}-r` }
    await this.#state.update((s) => {
      s.rootLinks.push(rootLink.name)
    })
    await this.#plug(rootLink, 'root', host)
  }

  /**
   * A new namespace `<cluster>-<label>` with `eth0` at `10.233.X.<host>/24`, plugged into the
   * switch at the port named `label`. Returns the namespace and that port.
   */
  async addHost(label: string, host: number): Promise<{ netns: string; port: Link }> {
    const netns = `${this.#state.state.name}-${label}`
    await this.#addNamespace(netns)
    const port = await this.#plug({ netns, name: 'eth0' }, label, host)
    return { netns, port }
  }

  async #addNamespace(netns: string): Promise<void> {
    await this.#state.update((s) => {
      s.namespaces.push(netns)
    })
    await addNamespace(netns)
  }

  async #plug(hostEnd: Link, portName: string, host: number): Promise<Link> {
    const port = { netns: this.switchNs, name: portName }
    await addVethPair(hostEnd, port)
    await attachToBridge(port, BRIDGE)
    await addAddress(hostEnd, `${this.address(host)}/24`)
    return port
  }
}
