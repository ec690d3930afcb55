-- CreateTable
CREATE TABLE "obligations" (
    "event_id" UUID NOT NULL,
    "transfer_id" VARCHAR(64) NOT NULL,
    "payer_tenant_id" VARCHAR(64) NOT NULL,
    "payee_tenant_id" VARCHAR(64) NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "amount" BIGINT NOT NULL,
    "occurred_at" TIMESTAMPTZ(6) NOT NULL,
    "received_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "batch_id" VARCHAR(64),
    "seq" BIGSERIAL NOT NULL,

    CONSTRAINT "obligations_pkey" PRIMARY KEY ("event_id")
);

-- CreateTable
CREATE TABLE "settlement_batches" (
    "id" VARCHAR(64) NOT NULL,
    "state" VARCHAR(16) NOT NULL,
    "failure_reason" TEXT,
    "cutoff_at" TIMESTAMPTZ(6) NOT NULL,
    "obligation_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(6),

    CONSTRAINT "settlement_batches_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "settlement_positions" (
    "batch_id" VARCHAR(64) NOT NULL,
    "tenant_id" VARCHAR(64) NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "net" BIGINT NOT NULL,

    CONSTRAINT "settlement_positions_pkey" PRIMARY KEY ("batch_id","tenant_id","currency")
);

-- CreateTable
CREATE TABLE "settlement_instructions" (
    "batch_id" VARCHAR(64) NOT NULL,
    "payer_tenant_id" VARCHAR(64) NOT NULL,
    "payee_tenant_id" VARCHAR(64) NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "amount" BIGINT NOT NULL,
    "transfer_id" VARCHAR(64) NOT NULL,
    "state" VARCHAR(16) NOT NULL,

    CONSTRAINT "settlement_instructions_pkey" PRIMARY KEY ("batch_id","payer_tenant_id","payee_tenant_id","currency")
);

-- CreateIndex
CREATE INDEX "obligations_open_idx" ON "obligations"("batch_id", "seq");

-- CreateIndex
CREATE INDEX "settlement_batches_state_idx" ON "settlement_batches"("state");

-- AddForeignKey
ALTER TABLE "settlement_positions" ADD CONSTRAINT "settlement_positions_batch_id_fkey" FOREIGN KEY ("batch_id") REFERENCES "settlement_batches"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "settlement_instructions" ADD CONSTRAINT "settlement_instructions_batch_id_fkey" FOREIGN KEY ("batch_id") REFERENCES "settlement_batches"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Invariants the database enforces itself (Prisma does not model CHECK constraints, so they live only here).
ALTER TABLE "obligations"
    ADD CONSTRAINT "obligations_amount_positive" CHECK ("amount" > 0),
    ADD CONSTRAINT "obligations_between_tenants" CHECK ("payer_tenant_id" <> "payee_tenant_id");

ALTER TABLE "settlement_batches"
    ADD CONSTRAINT "settlement_batches_state_known" CHECK ("state" IN ('open', 'closing', 'posting', 'completed', 'failed'));

ALTER TABLE "settlement_instructions"
    ADD CONSTRAINT "settlement_instructions_amount_positive" CHECK ("amount" > 0),
    ADD CONSTRAINT "settlement_instructions_state_known" CHECK ("state" IN ('pending', 'posted'));
