-- No semicolon in these comments: the migration runner splits the script at each one.
-- Partitions (docs/adr/0020-ledger-partitions.md): each tenant belongs to one
-- of LEDGER_PARTITIONS partitions, and each partition's events are published
-- by one ledger replica at a time, in commit order.
-- Expand only: partitioned events go to a table of their own, which ledgers
-- of the previous release never read, so their relays cannot publish them
-- out of order during a rolling update. What those ledgers still write to
-- outbox_batches and outbox_events, the owner of partition 0 publishes.

-- How many partitions this database is divided into, set by the first ledger
-- that starts: a ledger configured with another count refuses to start.
CREATE TABLE "partition_count" (
    "singleton" BOOLEAN NOT NULL DEFAULT true,
    "partitions" INTEGER NOT NULL,

    CONSTRAINT "partition_count_pkey" PRIMARY KEY ("singleton"),
    CONSTRAINT "partition_count_singleton" CHECK ("singleton"),
    CONSTRAINT "partition_count_positive" CHECK ("partitions" > 0)
);

-- Each partition's last event sequence. A posting transaction advances it for
-- the partitions of its events as its last statement before COMMIT, holding
-- the row until then: sequences are gapless and increase in commit order.
CREATE TABLE "partition_sequences" (
    "partition" INTEGER NOT NULL,
    "last_sequence" BIGINT NOT NULL,

    CONSTRAINT "partition_sequences_pkey" PRIMARY KEY ("partition")
);

-- One row per posting batch and partition: the partition's events of the
-- batch, in order, the first with first_sequence and the others after it.
CREATE TABLE "partition_outbox" (
    "id" BIGSERIAL NOT NULL,
    "partition" INTEGER NOT NULL,
    "first_sequence" BIGINT NOT NULL,
    "events" JSONB NOT NULL,
    "event_count" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(6),

    CONSTRAINT "partition_outbox_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
-- Partial: a relay reads only its partitions' rows still to publish, in id
-- order, which within a partition is sequence order (a row's id is drawn
-- after its partition's sequence row is locked).
CREATE INDEX "partition_outbox_unpublished_idx" ON "partition_outbox"("partition", "id") WHERE "published_at" IS NULL;

-- A tenant's partition, as tenantPartition() in @meridian/ledger-contract
-- computes it (a test holds them equal): the first four bytes of SHA-256 of
-- the id as an unsigned integer, mod the partition count. The expiry sweeper
-- selects its partitions' pending transfers with it.
CREATE FUNCTION "ledger_partition"("tenant_id" TEXT, "partitions" INTEGER) RETURNS INTEGER
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT (('x' || encode(substring(sha256(convert_to(tenant_id, 'UTF8')) FROM 1 FOR 4), 'hex'))::bit(32)::bigint % partitions)::integer $$;
