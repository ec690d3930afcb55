/**
 * Where the process is in its life. Probes read it; the shutdown sequence
 * drives it. `starting` until boot work is done, `serving` while healthy,
 * `draining` from the first SIGTERM on.
 */
export type LifecyclePhase = 'starting' | 'serving' | 'draining';

export class Lifecycle {
  #phase: LifecyclePhase = 'starting';

  get phase(): LifecyclePhase {
    return this.#phase;
  }

  /** Boot work (connections, migration check, listening) is done. */
  markStarted(): void {
    if (this.#phase === 'starting') this.#phase = 'serving';
  }

  /** Readiness turns 503 from this moment on. */
  markDraining(): void {
    this.#phase = 'draining';
  }

  get started(): boolean {
    return this.#phase !== 'starting';
  }

  get draining(): boolean {
    return this.#phase === 'draining';
  }
}
