import type { SearchStep } from '../report/summary';

export interface SearchOptions {
  /** The first rate tried. */
  startRate: number;
  /** Never tried above this. */
  maxRate: number;
  /** Stop when the passing and failing rates are this close, as a share of the passing one (e.g. 0.05). */
  precision: number;
  /** Runs one step at a constant rate and says whether every threshold held. */
  runStep: (rate: number) => Promise<SearchStep>;
  /** Optional: told before each step (for progress). */
  onStep?: (rate: number, index: number) => void;
}

/**
 * Search mode: the highest constant arrival rate that still meets the
 * thresholds. Doubles the rate until a step fails (or maxRate), then bisects
 * between the last passing and the first failing rate.
 */
export async function searchHighestRate(
  options: SearchOptions,
): Promise<{ highestPassingRate: number | null; steps: SearchStep[] }> {
  const steps: SearchStep[] = [];
  const run = async (rate: number) => {
    options.onStep?.(rate, steps.length);
    const step = await options.runStep(rate);
    steps.push(step);
    return step.passed;
  };
  let passing: number | null = null;
  let failing: number | null = null;
  let rate = Math.min(options.startRate, options.maxRate);
  while (failing === null) {
    if (await run(rate)) {
      passing = rate;
      if (rate >= options.maxRate) break;
      rate = Math.min(rate * 2, options.maxRate);
    } else failing = rate;
  }
  if (failing !== null) {
    let low = passing ?? 0;
    let high = failing;
    while (high - low > Math.max(1, options.precision * Math.max(low, 1))) {
      const middle = Math.round((low + high) / 2);
      if (middle <= low || middle >= high) break;
      if (await run(middle)) low = middle;
      else high = middle;
    }
    passing = low > 0 ? low : passing;
  }
  return { highestPassingRate: passing, steps };
}
