import { assignedPartitions } from '../../src/domain/partition-assignment';

const PARTITIONS = 12;
const owners = (replicaCount: number, alive: number[]) =>
  Array.from({ length: PARTITIONS }, (_, p) =>
    alive.filter((ordinal) =>
      assignedPartitions({ ordinal, replicaCount, partitions: PARTITIONS, alive }).includes(p),
    ),
  );

describe('which partitions a ledger replica should own', () => {
  it('gives partition p to ordinal p mod the replica count while every replica is alive', () => {
    expect(owners(3, [0, 1, 2])).toEqual(Array.from({ length: PARTITIONS }, (_, p) => [p % 3]));
  });

  it("moves only a dead replica's partitions, each to exactly one live replica, spread over them", () => {
    const withoutOne = owners(3, [0, 2]);
    for (let p = 0; p < PARTITIONS; p++) {
      expect(withoutOne[p]).toHaveLength(1);
      if (p % 3 !== 1) expect(withoutOne[p]).toEqual([p % 3]);
    }
    const taken = withoutOne.filter((_, p) => p % 3 === 1).flat();
    expect(new Set(taken)).toEqual(new Set([0, 2]));
  });

  it('gives every partition to the last replica alive', () => {
    expect(owners(3, [1])).toEqual(Array.from({ length: PARTITIONS }, () => [1]));
  });

  it('gives nothing to a replica that is not among the live ones (its ordinal is held by another session)', () => {
    expect(
      assignedPartitions({ ordinal: 1, replicaCount: 3, partitions: PARTITIONS, alive: [0, 2] }),
    ).toEqual([]);
  });

  it('after a scale from three to two, gives partition p to ordinal p mod 2', () => {
    expect(owners(2, [0, 1])).toEqual(Array.from({ length: PARTITIONS }, (_, p) => [p % 2]));
  });

  it('while a scale from three to two rolls (pod 1 counts 2, pod 0 still 3): both want some partitions and neither wants others, which the locks and the last roll settle', () => {
    const of = (ordinal: number, replicaCount: number) =>
      assignedPartitions({ ordinal, replicaCount, partitions: PARTITIONS, alive: [0, 1] });
    const pod0 = new Set(of(0, 3));
    const pod1 = new Set(of(1, 2));
    const both = [...pod0].filter((p) => pod1.has(p));
    const neither = Array.from({ length: PARTITIONS }, (_, p) => p).filter(
      (p) => !pod0.has(p) && !pod1.has(p),
    );
    expect(both).toEqual([3, 9]);
    expect(neither).toEqual([4, 10]);
  });
});
