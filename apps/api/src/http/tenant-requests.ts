import { identifier, storableText } from '@meridian/ledger-contract';
import { z } from 'zod';
import { SCOPES } from '../domain/api-key';

/**
 * What an operator sends to create tenants and keys, through the admin API
 * or the command line alike: the tenant id goes into ledger URLs and every
 * key, so it has the ledger's identifier format.
 */
const name = storableText(200).min(1, { error: 'must not be empty' });

export const newTenant = z.strictObject({ id: identifier, name });
export type NewTenant = z.output<typeof newTenant>;

export const newKey = z.strictObject({
  name,
  scopes: z
    .array(z.enum(SCOPES, { error: `must be one of ${SCOPES.join(', ')}` }))
    .min(1, { error: 'must hold at least one scope' }),
});
export type NewKey = z.output<typeof newKey>;

/** A key's public id: 16 hex digits. */
export const keyId = z.string().regex(/^[0-9a-f]{16}$/);
