import type { ContainerEngine } from '../engine/container-engine.js'
import { ImageMissingError } from '../errors.js'
import type { Readiness } from './executor.js'

/** Whether an execution sent now could run on this engine: it answers, and it has the image. */
export async function engineReadiness(engine: ContainerEngine, image: string): Promise<Readiness> {
  try {
    await engine.info()
    if (await engine.imageExists(image)) return { ready: true }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    return { ready: false, code: 'engine_unavailable', message }
  }
  return { ready: false, code: 'image_missing', message: new ImageMissingError(image).message }
}
