-- Consent for cross-tenant credits: another tenant may pay into an account
-- only when its owner opened it for that. Existing accounts keep refusing.
-- AlterTable
ALTER TABLE "accounts" ADD COLUMN     "accepts_external_credits" BOOLEAN NOT NULL DEFAULT false;
