import { createHash } from 'node:crypto';

/**
 * How the ledger divides its tenants among its replicas (ADR 0020): a
 * tenant's partition is a stable hash of its id, and partition p belongs to
 * the replica whose ordinal is p mod the replica count. The ledger works each
 * partition's outbox and pending expiries from its owner only; the api sends
 * a tenant's writes to that owner, so they merge into its micro-batches
 * instead of locking against each other from several processes.
 */

/**
 * The tenant's partition: the first four bytes of SHA-256 of its id (UTF-8),
 * as an unsigned big-endian integer, mod `partitions`. The database computes
 * the same with `ledger_partition(tenant_id, partitions)`; a test holds them
 * equal. SHA-256 because it spreads any naming scheme evenly and both Node
 * and PostgreSQL have it built in.
 */
export function tenantPartition(tenantId: string, partitions: number): number {
  return createHash('sha256').update(tenantId, 'utf8').digest().readUInt32BE(0) % partitions;
}

/** The ordinal of the replica that owns a partition while it is alive. */
export const partitionOwner = (partition: number, replicaCount: number): number => partition % replicaCount;

/** The ordinal of the replica that owns a tenant's partition while it is alive. */
export const tenantOwner = (tenantId: string, partitions: number, replicaCount: number): number =>
  partitionOwner(tenantPartition(tenantId, partitions), replicaCount);

/**
 * A ledger client's replica affinity (keys are tenant ids): a tenant's calls
 * go to the replica that owns its partition.
 */
export const ledgerAffinity =
  (partitions: number) =>
  (tenantId: string, replicaCount: number): number =>
    tenantOwner(tenantId, partitions, replicaCount);
