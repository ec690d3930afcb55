-- CreateTable
CREATE TABLE "accounts" (
    "tenant_id" VARCHAR(64) NOT NULL,
    "id" VARCHAR(64) NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "code" INTEGER NOT NULL,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "debits_must_not_exceed_credits" BOOLEAN NOT NULL,
    "credits_must_not_exceed_debits" BOOLEAN NOT NULL,
    "debits_pending" BIGINT NOT NULL DEFAULT 0,
    "debits_posted" BIGINT NOT NULL DEFAULT 0,
    "credits_pending" BIGINT NOT NULL DEFAULT 0,
    "credits_posted" BIGINT NOT NULL DEFAULT 0,
    "seq" BIGSERIAL NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "accounts_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "transfers" (
    "tenant_id" VARCHAR(64) NOT NULL,
    "id" VARCHAR(64) NOT NULL,
    "debit_account_id" VARCHAR(64) NOT NULL,
    "credit_tenant_id" VARCHAR(64) NOT NULL,
    "credit_account_id" VARCHAR(64) NOT NULL,
    "amount" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "code" INTEGER NOT NULL,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "kind" VARCHAR(16) NOT NULL,
    "linked" BOOLEAN NOT NULL DEFAULT false,
    "pending_id" VARCHAR(64),
    "timeout_seconds" INTEGER,
    "seq" BIGSERIAL NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "transfers_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "pending_transfers" (
    "tenant_id" VARCHAR(64) NOT NULL,
    "transfer_id" VARCHAR(64) NOT NULL,
    "state" VARCHAR(16) NOT NULL,
    "expires_at" TIMESTAMPTZ(6),
    "resolved_by_id" VARCHAR(64),
    "resolved_at" TIMESTAMPTZ(6),

    CONSTRAINT "pending_transfers_pkey" PRIMARY KEY ("tenant_id","transfer_id")
);

-- CreateTable
CREATE TABLE "failed_transfers" (
    "tenant_id" VARCHAR(64) NOT NULL,
    "id" VARCHAR(64) NOT NULL,
    "result" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "failed_transfers_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "outbox_events" (
    "id" BIGSERIAL NOT NULL,
    "event_id" UUID NOT NULL,
    "tenant_id" VARCHAR(64) NOT NULL,
    "type" VARCHAR(64) NOT NULL,
    "payload" JSONB NOT NULL,
    "traceparent" VARCHAR(64),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(6),

    CONSTRAINT "outbox_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "accounts_tenant_id_seq_key" ON "accounts"("tenant_id", "seq");

-- CreateIndex
CREATE INDEX "transfers_debit_account_seq_idx" ON "transfers"("tenant_id", "debit_account_id", "seq" DESC);

-- CreateIndex
CREATE INDEX "transfers_credit_account_seq_idx" ON "transfers"("credit_tenant_id", "credit_account_id", "seq" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "transfers_tenant_id_seq_key" ON "transfers"("tenant_id", "seq");

-- CreateIndex
-- Partial: only open pending transfers with a timeout are scanned for expiry.
CREATE INDEX "pending_transfers_open_expiry_idx" ON "pending_transfers"("expires_at") WHERE "state" = 'pending' AND "expires_at" IS NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "outbox_events_event_id_key" ON "outbox_events"("event_id");

-- CreateIndex
-- Partial: the relay reads only what is still to publish.
CREATE INDEX "outbox_events_unpublished_idx" ON "outbox_events"("id") WHERE "published_at" IS NULL;


-- Invariants the database enforces itself, whatever the application does
-- (Prisma does not model CHECK constraints, so they live only here).
ALTER TABLE "accounts"
    ADD CONSTRAINT "accounts_balances_non_negative" CHECK ("debits_pending" >= 0 AND "debits_posted" >= 0 AND "credits_pending" >= 0 AND "credits_posted" >= 0),
    ADD CONSTRAINT "accounts_limit_flags_exclusive" CHECK (NOT ("debits_must_not_exceed_credits" AND "credits_must_not_exceed_debits")),
    ADD CONSTRAINT "accounts_debits_within_credits" CHECK (NOT "debits_must_not_exceed_credits" OR "debits_pending" + "debits_posted" <= "credits_posted"),
    ADD CONSTRAINT "accounts_credits_within_debits" CHECK (NOT "credits_must_not_exceed_debits" OR "credits_pending" + "credits_posted" <= "debits_posted");

ALTER TABLE "transfers"
    ADD CONSTRAINT "transfers_amount_positive" CHECK ("amount" > 0),
    ADD CONSTRAINT "transfers_kind_known" CHECK ("kind" IN ('posted', 'pending', 'post_pending', 'void_pending')),
    ADD CONSTRAINT "transfers_pending_id_matches_kind" CHECK (("pending_id" IS NOT NULL) = ("kind" IN ('post_pending', 'void_pending')));

ALTER TABLE "pending_transfers"
    ADD CONSTRAINT "pending_transfers_state_known" CHECK ("state" IN ('pending', 'posted', 'voided', 'expired'));
