-- One outbox row per posting batch instead of one per event: a batch of a
-- thousand transfers inserted a thousand rows and maintained three indexes
-- for each, then updated and deleted each row again
-- (docs/adr/0006-ledger-posting.md, "A cheaper outbox").
-- Expand only: outbox_events stays, and the relay drains it, so ledgers of
-- the previous release keep writing there during a rolling update. Rolling
-- back across it needs the new outbox drained first (same ADR).
-- CreateTable
CREATE TABLE "outbox_batches" (
    "id" BIGSERIAL NOT NULL,
    "events" JSONB NOT NULL,
    "event_count" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(6),

    CONSTRAINT "outbox_batches_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
-- Partial: the relay reads only what is still to publish.
CREATE INDEX "outbox_batches_unpublished_idx" ON "outbox_batches"("id") WHERE "published_at" IS NULL;
