/**
 * Values that exist only once a container has reached a state, so that code which must not
 * run before it (reading or removing the container's workspace) cannot be written without
 * one. Only the engine creates them (src/engine/docker-started-container.ts, and fakes of
 * the engine port in tests); the `#` field makes them nominal, so no object literal passes.
 */

/** The container's processes are gone: it was killed (or exited) and the engine confirmed its exit. */
export class StoppedContainer {
  readonly #state = 'stopped'
  /** The execution the container was made for (its workspace carries the same id). */
  constructor(readonly executionId: string) {}

  get state(): string {
    return this.#state
  }
}

/** The engine no longer has the container: removed by us, or already gone. */
export class ContainerGone {
  readonly #state = 'gone'
  /** The execution the container was made for (its workspace carries the same id). */
  constructor(readonly executionId: string) {}

  get state(): string {
    return this.#state
  }
}
