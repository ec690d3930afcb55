export type ShutdownHook = () => Promise<void> | void;

interface NamedHook {
  name: string;
  run: ShutdownHook;
}

/**
 * What the shutdown sequence has to stop, in two groups:
 *
 * - drain hooks stop work that is not an HTTP request (queue workers, pollers,
 *   relays) and wait for what they already started; they run while the HTTP
 *   server still answers probes;
 * - close hooks release resources (pools, clients) after the HTTP server has
 *   drained, in reverse order of registration, so a resource outlives
 *   everything created after it.
 */
export class ShutdownHooks {
  readonly #drains: NamedHook[] = [];
  readonly #closes: NamedHook[] = [];

  onDrain(name: string, run: ShutdownHook): void {
    this.#drains.push({ name, run });
  }

  onClose(name: string, run: ShutdownHook): void {
    this.#closes.push({ name, run });
  }

  /** Drain hooks run together: each waits for its own in-flight work. */
  async drain(onError: (name: string, error: unknown) => void): Promise<void> {
    await Promise.all(this.#drains.map((hook) => runGuarded(hook, onError)));
  }

  /** Close hooks run one at a time, last registered first. */
  async close(onError: (name: string, error: unknown) => void): Promise<void> {
    for (const hook of [...this.#closes].reverse()) await runGuarded(hook, onError);
  }

  get names(): { drain: string[]; close: string[] } {
    return { drain: this.#drains.map((h) => h.name), close: [...this.#closes].reverse().map((h) => h.name) };
  }
}

async function runGuarded(hook: NamedHook, onError: (name: string, error: unknown) => void): Promise<void> {
  try {
    await hook.run();
  } catch (error) {
    onError(hook.name, error);
  }
}
