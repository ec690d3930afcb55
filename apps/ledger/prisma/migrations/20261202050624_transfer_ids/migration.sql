-- One table for every recorded transfer id, posted or failed, so that its
-- primary key gives an id one outcome: before it, two batches that recorded
-- the same id at once with disjoint accounts could commit it both to
-- transfers and to failed_transfers (docs/adr/0006-ledger-posting.md).
-- Ledgers of the previous release do not write it during a rolling update;
-- ids they record in that window are found by the lookup as before.
-- CreateTable
CREATE TABLE "transfer_ids" (
    "tenant_id" VARCHAR(64) NOT NULL,
    "id" VARCHAR(64) NOT NULL,

    CONSTRAINT "transfer_ids_pkey" PRIMARY KEY ("tenant_id","id")
);

-- Backfill: every id already recorded.
INSERT INTO "transfer_ids" ("tenant_id", "id")
SELECT "tenant_id", "id" FROM "transfers"
UNION
SELECT "tenant_id", "id" FROM "failed_transfers";
