-- No semicolon in these comments: the migration runner splits the script at each one.
-- Partitions (docs/adr/0020-ledger-partitions.md): each tenant belongs to one
-- of LEDGER_PARTITIONS partitions, and each partition's outbox is published
-- by one ledger replica at a time, in commit order.
-- Expand only: rows a ledger of the previous release writes during a rolling
-- update have no partition, and the owner of partition 0 publishes them.

-- How many partitions this database is divided into, set by the first ledger
-- that starts: a ledger configured with another count refuses to start.
CREATE TABLE "ledger_partitioning" (
    "singleton" BOOLEAN NOT NULL DEFAULT true,
    "partitions" INTEGER NOT NULL,

    CONSTRAINT "ledger_partitioning_pkey" PRIMARY KEY ("singleton"),
    CONSTRAINT "ledger_partitioning_singleton" CHECK ("singleton"),
    CONSTRAINT "ledger_partitioning_partitions" CHECK ("partitions" > 0)
);

-- Each partition's last event sequence. A posting transaction advances it for
-- the partitions of its events as its last statement before COMMIT, holding
-- the row until then: sequences are gapless and increase in commit order.
CREATE TABLE "ledger_partitions" (
    "partition" INTEGER NOT NULL,
    "last_sequence" BIGINT NOT NULL,

    CONSTRAINT "ledger_partitions_pkey" PRIMARY KEY ("partition")
);

-- AlterTable
ALTER TABLE "outbox_batches" ADD COLUMN "partition" INTEGER,
ADD COLUMN "first_sequence" BIGINT;

-- No new index: the relay reads unpublished rows in id order through
-- outbox_batches_unpublished_idx, and within a partition id order is sequence
-- order (a row's id is drawn after its partition's sequence row is locked).

-- A tenant's partition, as tenantPartition() in @meridian/ledger-contract
-- computes it (a test holds them equal): the first four bytes of SHA-256 of
-- the id as an unsigned integer, mod the partition count. The expiry sweeper
-- selects its partitions' pending transfers with it.
CREATE FUNCTION "ledger_partition"("tenant_id" TEXT, "partitions" INTEGER) RETURNS INTEGER
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT (('x' || encode(substring(sha256(convert_to(tenant_id, 'UTF8')) FROM 1 FOR 4), 'hex'))::bit(32)::bigint % partitions)::integer $$;
