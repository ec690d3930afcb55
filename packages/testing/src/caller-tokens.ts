import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { REPO_ROOT } from './paths';

const envName = (service: string) => service.toUpperCase().replaceAll('-', '_');

/**
 * INBOUND_<CALLER>_TOKEN for every caller of `app`, as its generated
 * `src/callers.ts` lists them (built into dist/): the tokens a test speaks
 * with from `known`, a throwaway one for every other caller, so that a caller
 * added to the registry changes no test of its callee. Naming a caller the
 * app does not have fails, so a test cannot speak for an edge that is gone.
 */
export function callerTokenEnv(app: string, known: Record<string, string>): Record<string, string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the app's build output, found at run time
  const { CALLERS } = require(resolve(REPO_ROOT, 'apps', app, 'dist', 'callers.js')) as {
    CALLERS: readonly string[];
  };
  const unknown = Object.keys(known).filter((caller) => !CALLERS.includes(caller));
  if (unknown.length > 0)
    throw new Error(
      `${app} has no caller ${unknown.join(', ')} in the registry (its callers: ${CALLERS.join(', ')})`,
    );
  return Object.fromEntries(
    CALLERS.map((caller) => [
      `INBOUND_${envName(caller)}_TOKEN`,
      known[caller] ?? `throwaway-${caller}-${randomBytes(16).toString('hex')}`,
    ]),
  );
}
