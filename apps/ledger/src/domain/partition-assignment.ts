import { partitionOwner } from '@meridian/ledger-contract';

export interface Membership {
  /** This replica's ordinal. */
  ordinal: number;
  /** The configured replica count (REPLICA_COUNT). */
  replicaCount: number;
  /** The partition count (LEDGER_PARTITIONS). */
  partitions: number;
  /** Ordinals of the replicas alive now (each holds its presence lock), this one included. */
  alive: readonly number[];
}

/**
 * The partitions this replica should work now. Partition p belongs to ordinal
 * p mod REPLICA_COUNT while that replica is alive; while it is not (killed,
 * restarting, scaled away), to the live replica at p mod the number alive, in
 * ordinal order, until it returns. Only a dead replica's partitions move, so a
 * restart hands over a third of the partitions of three replicas, not all.
 * Replicas that briefly disagree (one saw a death the other has not yet)
 * cannot both work a partition: each takes it with its advisory lock.
 */
export function assignedPartitions(membership: Membership): number[] {
  const alive = [...new Set(membership.alive)].sort((a, b) => a - b);
  if (!alive.includes(membership.ordinal)) return [];
  const owned: number[] = [];
  for (let partition = 0; partition < membership.partitions; partition++) {
    const primary = partitionOwner(partition, membership.replicaCount);
    const owner = alive.includes(primary) ? primary : alive[partition % alive.length];
    if (owner === membership.ordinal) owned.push(partition);
  }
  return owned;
}
