import { SeededRandom, seeded, testSeed } from '../src';

describe('SeededRandom', () => {
  it('makes the same choices from the same seed, and other choices from another', () => {
    const draw = (seed: number) => {
      const random = new SeededRandom(seed);
      return Array.from({ length: 20 }, () => random.int(0, 1_000_000));
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('draws integers within the bounds, both included, and picks only from the items given', () => {
    const random = new SeededRandom(7);
    const ints = Array.from({ length: 2_000 }, () => random.int(-2, 2));
    expect(new Set(ints)).toEqual(new Set([-2, -1, 0, 1, 2]));
    const picks = Array.from({ length: 200 }, () => random.pick(['a', 'b']));
    expect(new Set(picks)).toEqual(new Set(['a', 'b']));
  });
});

describe('testSeed', () => {
  it('is one seed per test file, and the suite title names it with how to replay it', () => {
    expect(testSeed()).toBe(testSeed());
    expect(seeded('a suite')).toBe(`a suite (seed ${testSeed()}: TEST_SEED=${testSeed()} replays it)`);
  });
});
