import { batch } from './batch';
import { pending } from './pending';
import { read } from './reads';
import { replay, retry } from './retries';
import type { Scenario } from './scenario';
import { crossTenant, transfer } from './transfer';

/** Every scenario `--mix` can name. A fork's own goes here too. */
export const SCENARIOS: readonly Scenario[] = [transfer, batch, pending, crossTenant, read, retry, replay];

/**
 * The default mix: mostly single transfers, a little of everything else. Not
 * `retry`, whose latency includes the client's own timeout and backoff by
 * design, and would set the run's p99.
 */
export const DEFAULT_MIX = 'transfer=60,batch=5,pending=10,cross-tenant=10,read=10,replay=5';

export interface WeightedScenario {
  scenario: Scenario;
  weight: number;
}

/** `transfer=70,replay=10,cross-tenant=20` -> the scenarios with their weights. */
export function parseMix(text: string, scenarios: readonly Scenario[] = SCENARIOS): WeightedScenario[] {
  const mix = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [name, weight] = part.split('=');
      const scenario = scenarios.find((s) => s.name === name?.trim());
      if (!scenario)
        throw new Error(`mix "${part}": no scenario "${name}" (${scenarios.map((s) => s.name).join(', ')})`);
      const value =
        weight === undefined ? 1 : /^\d+(\.\d+)?$/.test(weight.trim()) ? Number(weight) : Number.NaN;
      if (!Number.isFinite(value)) throw new Error(`mix "${part}": a weight is a number >= 0`);
      return { scenario, weight: value };
    })
    .filter((entry) => entry.weight > 0);
  if (mix.length === 0) throw new Error('the mix names no scenario with a weight above 0');
  return mix;
}

/** Picks a scenario by weight from a number in [0, total weight). */
export function scenarioAt(mix: readonly WeightedScenario[], point: number): Scenario {
  let remaining = point;
  for (const entry of mix) {
    if (remaining < entry.weight) return entry.scenario;
    remaining -= entry.weight;
  }
  return mix[mix.length - 1]!.scenario;
}
