import { parseOrThrow, identifier } from './validation';

/** The tenant named in the path; every query of the request is scoped by it. */
export const tenantParam = (value: string): string => parseOrThrow(identifier, value, 'tenantId');

/** Another identifier from the path (an account or transfer id). */
export const idParam = (name: string, value: string): string => parseOrThrow(identifier, value, name);
