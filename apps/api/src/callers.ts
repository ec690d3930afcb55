// Written by `npm run generate` from the services registry (`services:` in
// deploy/helm/meridian/values.yaml):
// edit those, not this file.

/** The services whose registry entry calls api; each presents its own token, INBOUND_<CALLER>_TOKEN. */
export const CALLERS = [] as const;

export type Caller = (typeof CALLERS)[number];
