import { createMeridianClient, type MeridianClient } from '@meridian/sdk';

/** One of the run's accounts; every one accepts credits from other tenants, so any pair of one currency may transfer. */
export interface RunAccount {
  id: string;
  currency: string;
}

export interface RunTenant {
  id: string;
  /** Sends once and reports what came back: what the load measures. */
  client: MeridianClient;
  /**
   * Retries with the same key as a careful client does (503, 429, 409 in flight, no answer), for
   * longer than the api may hold a key in flight (IDEMPOTENCY_LEASE_MS, 2 s, or at most IDEMPOTENCY_LOCK_TIMEOUT_MS) when
   * the request holding it died: the audit resolves transfers in doubt with it.
   */
  carefulClient: MeridianClient;
  accounts: RunAccount[];
  /** The key the run created for this tenant (revoked at cleanup); absent for a key the operator gave. */
  createdKeyId?: string;
}

/** Where the operator's /admin API answers and its token (never printed). */
export interface AdminAccess {
  url: string;
  token: string;
}

/** An API key the operator gave, with the tenant it belongs to. */
export interface GivenKey {
  tenantId: string;
  apiKey: string;
}

export const CURRENCIES = ['EUR', 'USD'] as const;

/**
 * Reads given keys: one per line, `<tenant id> <api key>` (blank lines and
 * lines starting with # are skipped). The keys never appear in an error.
 */
export function parseGivenKeys(text: string): GivenKey[] {
  return text
    .split('\n')
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line !== '' && !line.startsWith('#'))
    .map(({ line, number }) => {
      const [tenantId, apiKey, ...rest] = line.split(/\s+/);
      if (!tenantId || !apiKey || rest.length > 0 || !apiKey.startsWith('mk_'))
        throw new Error(
          `API keys, line ${number}: expected "<tenant id> <api key>" (the key starts with mk_)`,
        );
      return { tenantId, apiKey };
    });
}

export function tenantClients(target: string, apiKey: string): Pick<RunTenant, 'client' | 'carefulClient'> {
  return {
    client: createMeridianClient({ baseUrl: target, apiKey, retry: { attempts: 1 } }),
    carefulClient: createMeridianClient({
      baseUrl: target,
      apiKey,
      retry: { attempts: 45, maxDelayMs: 2_000 },
    }),
  };
}

async function admin(access: AdminAccess, method: string, path: string, body?: unknown) {
  const response = await fetch(new URL(path, access.url), {
    method,
    headers: {
      authorization: `Bearer ${access.token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = (await response.json().catch(() => ({}))) as {
    detail?: string;
    title?: string;
    id?: string;
    token?: string;
  };
  if (!response.ok)
    throw new Error(`admin ${method} ${path}: ${response.status} ${answer.detail ?? answer.title ?? ''}`);
  return answer;
}

/**
 * The run's tenants: throwaway ones made through /admin (named after the run,
 * each with a key of its own), or the operator's, by their keys. Either way
 * the run opens accounts of its own (`<run id>-a<n>`), so it never touches
 * anything it did not create.
 */
export async function provisionTenants(options: {
  target: string;
  runId: string;
  tenants: number;
  accountsPerTenant: number;
  admin?: AdminAccess;
  givenKeys?: GivenKey[];
  /** Filled as it goes, so a failure part way still leaves the keys made so far to revoke. */
  into?: RunTenant[];
}): Promise<RunTenant[]> {
  const tenants: RunTenant[] = options.into ?? [];
  if (options.givenKeys && options.givenKeys.length > 0) {
    for (const given of options.givenKeys)
      tenants.push({ id: given.tenantId, ...tenantClients(options.target, given.apiKey), accounts: [] });
  } else if (options.admin) {
    for (let n = 0; n < options.tenants; n++) {
      const id = `${options.runId}-t${n}`;
      await admin(options.admin, 'POST', '/admin/tenants', {
        id,
        name: `Load test ${options.runId} tenant ${n}`,
      });
      const key = await admin(options.admin, 'POST', `/admin/tenants/${id}/keys`, {
        name: `load test ${options.runId}`,
        scopes: ['read', 'write'],
      });
      tenants.push({
        id,
        ...tenantClients(options.target, String(key.token)),
        accounts: [],
        createdKeyId: String(key.id),
      });
    }
  } else
    throw new Error(
      'no credentials: give the admin token (LOADTEST_ADMIN_TOKEN) or API keys (--api-keys-file)',
    );

  for (const tenant of tenants) {
    for (let n = 0; n < options.accountsPerTenant; n++) {
      const account = { id: `${options.runId}-a${n}`, currency: CURRENCIES[n % CURRENCIES.length]! };
      const { response, error } = await tenant.carefulClient.POST('/v1/accounts', {
        body: { ...account, flags: { acceptsExternalCredits: true } },
      });
      if (!response.ok)
        throw new Error(
          `opening account ${account.id} of tenant ${tenant.id}: ${response.status} ${error?.detail ?? ''}`,
        );
      tenant.accounts.push(account);
    }
  }
  return tenants;
}

/** Revokes the keys the run created; its tenants and accounts stay, as the ledger keeps everything. */
export async function revokeRunKeys(tenants: readonly RunTenant[], access: AdminAccess): Promise<void> {
  for (const tenant of tenants)
    if (tenant.createdKeyId) await admin(access, 'DELETE', `/admin/keys/${tenant.createdKeyId}`);
}
