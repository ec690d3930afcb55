import { SeededRandom, seeded } from '@meridian/testing';
import { searchHighestRate, type SearchOptions } from '../../src/engine/search';
import type { SearchStep } from '../../src/report/summary';

/** A target that meets the thresholds at any rate up to `capacity` and fails above it; it keeps every rate tried. */
function target(capacity: number) {
  const tried: number[] = [];
  const told: Array<[number, number]> = [];
  const runStep = async (rate: number): Promise<SearchStep> => {
    tried.push(rate);
    const passed = rate <= capacity;
    return { rate, passed, p99: passed ? 10 : 900, errorRate: 0 };
  };
  const onStep = (rate: number, index: number) => told.push([rate, index]);
  return { runStep, onStep, tried, told };
}

const search = (options: Omit<SearchOptions, 'runStep' | 'onStep'>, capacity: number) => {
  const fake = target(capacity);
  return searchHighestRate({ ...options, runStep: fake.runStep, onStep: fake.onStep }).then((result) => ({
    ...result,
    ...fake,
  }));
};

describe(seeded('searchHighestRate'), () => {
  it('for 100 seeded capacities in [100, 3000] (start 10..100/s, max 10 000/s, precision 1%, 5% or 10%): returns a rate that passed, ≤ the capacity and less than max(1, precision × it) below it, with a failing rate tried within max(1, precision × it) above it; never tries above maxRate; reports every step in order', async () => {
    const random = new SeededRandom();
    for (let trial = 0; trial < 100; trial++) {
      const capacity = random.int(100, 3_000);
      const options = {
        startRate: random.int(10, 100),
        maxRate: 10_000,
        precision: random.pick([0.01, 0.05, 0.1]),
      };
      const { highestPassingRate, steps, tried, told } = await search(options, capacity);
      const context = { capacity, ...options, tried };

      expect({ ...context, found: highestPassingRate !== null }).toEqual({ ...context, found: true });
      const found = highestPassingRate!;
      const failingAbove = steps.filter((s) => !s.passed && s.rate > found).map((s) => s.rate);
      const closestFailing = Math.min(...failingAbove);
      expect({
        ...context,
        foundPassed: steps.some((s) => s.rate === found && s.passed),
        foundAtMostCapacity: found <= capacity,
        capacityWithinPrecision: capacity - found < Math.max(1, options.precision * found),
        failingWithinPrecision: closestFailing - found <= Math.max(1, options.precision * found),
        triedAboveMax: tried.filter((rate) => rate > options.maxRate),
      }).toEqual({
        ...context,
        foundPassed: true,
        foundAtMostCapacity: true,
        capacityWithinPrecision: true,
        failingWithinPrecision: true,
        triedAboveMax: [],
      });
      expect(steps.map((s) => s.rate)).toEqual(tried);
      expect(told).toEqual(tried.map((rate, index) => [rate, index]));
    }
  });

  it('for 100 seeded capacities in [100, 3000] with maxRate 1500: never tries above 1500, and returns exactly 1500 when the capacity is at least that', async () => {
    const random = new SeededRandom();
    for (let trial = 0; trial < 100; trial++) {
      const capacity = random.int(100, 3_000);
      const options = { startRate: random.int(10, 100), maxRate: 1_500, precision: 0.05 };
      const { highestPassingRate, tried } = await search(options, capacity);
      const context = { capacity, ...options, tried };

      expect({ ...context, triedAboveMax: tried.filter((rate) => rate > 1_500) }).toEqual({
        ...context,
        triedAboveMax: [],
      });
      if (capacity >= 1_500)
        expect({ ...context, highestPassingRate }).toEqual({ ...context, highestPassingRate: 1_500 });
      else
        expect({ ...context, withinCapacity: highestPassingRate! <= capacity }).toEqual({
          ...context,
          withinCapacity: true,
        });
    }
  });

  it('when every step passes, doubles from the start rate up to maxRate and stops there: 100, 200, 400, 800, 1000 → 1000', async () => {
    const { highestPassingRate, tried } = await search(
      { startRate: 100, maxRate: 1_000, precision: 0.05 },
      Number.POSITIVE_INFINITY,
    );
    expect(tried).toEqual([100, 200, 400, 800, 1_000]);
    expect(highestPassingRate).toBe(1_000);
  });

  it('a start rate above maxRate is tried at maxRate only: start 5000, max 1000, all passing → [1000] → 1000', async () => {
    const { highestPassingRate, tried } = await search(
      { startRate: 5_000, maxRate: 1_000, precision: 0.05 },
      Number.POSITIVE_INFINITY,
    );
    expect(tried).toEqual([1_000]);
    expect(highestPassingRate).toBe(1_000);
  });

  it('when no step passes, returns null, having tried nothing above the start rate (first 100, then only lower rates)', async () => {
    const { highestPassingRate, tried } = await search(
      { startRate: 100, maxRate: 10_000, precision: 0.05 },
      0,
    );
    expect(highestPassingRate).toBeNull();
    expect(tried[0]).toBe(100);
    expect(tried.slice(1).every((rate) => rate < 100)).toBe(true);
  });

  it('when the start rate fails but a lower one passes, bisects below it: capacity 37, start 100 → tries 100, 50, 25, 38, 32, 35, 37 and returns 37', async () => {
    const { highestPassingRate, tried } = await search(
      { startRate: 100, maxRate: 10_000, precision: 0.01 },
      37,
    );
    expect(tried).toEqual([100, 50, 25, 38, 32, 35, 37]);
    expect(highestPassingRate).toBe(37);
  });

  it('bisects between the last passing and the first failing rate: capacity 700, start 100, precision 5% → 100, 200, 400, 800, 600, 700, 750, 725 (stops once 700..725 is within 5% of 700) → 700', async () => {
    const { highestPassingRate, tried } = await search(
      { startRate: 100, maxRate: 10_000, precision: 0.05 },
      700,
    );
    expect(tried).toEqual([100, 200, 400, 800, 600, 700, 750, 725]);
    expect(highestPassingRate).toBe(700);
  });
});
