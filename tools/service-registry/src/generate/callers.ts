import { callersOf } from '../derived';
import { type Registry } from '../registry';

/** Where a service's generated list of callers lives. */
export const callersFile = (service: string) => `apps/${service}/src/callers.ts`;

/**
 * apps/<service>/src/callers.ts: who may call the service. Its config reads
 * each caller's INBOUND_<CALLER>_TOKEN (`callerTokens(CALLERS)`) and its token
 * guard admits exactly these, so declaring an edge in the registry is all it
 * takes for the callee to accept it.
 */
export function renderCallers(registry: Registry, service: string, notice: string): string {
  const callers = callersOf(registry, service).map((caller) => caller.name);
  return [
    ...notice.split('\n').map((line) => line.replace(/^#/, '//')),
    '',
    `/** The services whose registry entry calls ${service}; each presents its own token, INBOUND_<CALLER>_TOKEN. */`,
    `export const CALLERS = [${callers.map((name) => `'${name}'`).join(', ')}] as const;`,
    '',
    'export type Caller = (typeof CALLERS)[number];',
    '',
  ].join('\n');
}
