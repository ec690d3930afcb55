import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';

/** The run's random choices, reproduced by its seed (printed in the summary; `--seed` replays them). */
export class Random {
  private readonly generator;

  constructor(readonly seed: number) {
    this.generator = xoroshiro128plus(seed);
  }

  /**
   * The choices of one arrival of the run: the same seed and arrival number
   * give the same scenario, accounts and amounts, whatever the timing of the
   * others (splitmix32 spreads neighbouring numbers apart).
   */
  static forArrival(seed: number, arrival: number): Random {
    let z = (seed + Math.imul(arrival + 1, 0x9e3779b9)) | 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return new Random((z ^ (z >>> 16)) | 0);
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return unsafeUniformIntDistribution(min, max, this.generator);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('nothing to pick from');
    return items[this.int(0, items.length - 1)]!;
  }

  /** True with probability `p` (to 1 in a million). */
  chance(p: number): boolean {
    return this.int(0, 999_999) < p * 1_000_000;
  }
}
