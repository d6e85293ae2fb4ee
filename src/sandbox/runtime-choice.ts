import type { ContainerEngine } from '../engine/container-engine.js'

/**
 * The runtime a container runs under: the configured one, or for `auto`, gVisor's `runsc`
 * when the engine has it registered and `runc` otherwise.
 */
export async function chooseRuntime(configured: string, engine: ContainerEngine): Promise<string> {
  if (configured !== 'auto') return configured
  const info = await engine.info()
  return info.runtimes.includes('runsc') ? 'runsc' : 'runc'
}
