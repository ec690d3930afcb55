import { randomInt } from 'node:crypto';

let chosen: number | undefined;

/**
 * The seed of a test file's random choices: TEST_SEED when set (to replay a
 * failure), otherwise one drawn per run, so runs keep exploring. Put it in
 * the suite's title with `seeded()`, so a failure names it.
 */
export function testSeed(): number {
  if (chosen !== undefined) return chosen;
  const fromEnvironment = process.env.TEST_SEED;
  if (fromEnvironment !== undefined && fromEnvironment !== '') {
    const seed = Number(fromEnvironment);
    if (!Number.isSafeInteger(seed))
      throw new Error(`TEST_SEED must be an integer, not "${fromEnvironment}"`);
    chosen = seed;
  } else {
    chosen = randomInt(2 ** 31);
  }
  return chosen;
}

/** A suite title that names the seed of its random choices and how to replay them. */
export const seeded = (title: string): string =>
  `${title} (seed ${testSeed()}: TEST_SEED=${testSeed()} replays it)`;

/**
 * Random choices that one seed reproduces (mulberry32: small, fast, and
 * plenty for picking test inputs; not for anything secret).
 */
export class SeededRandom {
  #state: number;

  constructor(seed: number = testSeed()) {
    this.#state = seed >>> 0;
  }

  /** A number in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** One of `items`. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('nothing to pick from');
    return items[this.int(0, items.length - 1)]!;
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }
}
