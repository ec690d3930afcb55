-- (No semicolons in these comments: the migration runner splits the script on them.)
-- One table for every recorded transfer id, posted or failed, so that its
-- primary key gives an id one outcome: before it, two batches that recorded
-- the same id at once with disjoint accounts could commit it both to
-- transfers and to failed_transfers (docs/adr/0006-ledger-posting.md).
-- Ledgers of the previous release do not write it during a rolling update,
-- so that race stays open until the rollout ends. Ids they record in that
-- window are found by the lookup as before.
-- CreateTable
CREATE TABLE "transfer_ids" (
    "tenant_id" VARCHAR(64) NOT NULL,
    "id" VARCHAR(64) NOT NULL
);

-- Backfill every id already recorded, sorted, before the key exists: one
-- index build at the end instead of an index insert per row. It reads
-- transfers once (ACCESS SHARE: writes go on). On a large ledger, time it
-- against the deadline of the migration Job (migrations.activeDeadlineSeconds).
INSERT INTO "transfer_ids" ("tenant_id", "id")
SELECT "tenant_id", "id" FROM "transfers"
UNION
SELECT "tenant_id", "id" FROM "failed_transfers"
ORDER BY 1, 2;

-- AddPrimaryKey
ALTER TABLE "transfer_ids" ADD CONSTRAINT "transfer_ids_pkey" PRIMARY KEY ("tenant_id", "id");
