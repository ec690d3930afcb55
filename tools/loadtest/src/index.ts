/**
 * The load tool's parts, for tools that drive load of their own (the chaos
 * suite in tools/stack): the open model, the seeded random choices, tenants,
 * transfers and their book, and the money audit.
 */
export { runOpenModel } from './engine/open-model';
export { Random } from './workload/random';
export { provisionTenants, revokeRunKeys, type AdminAccess, type RunTenant } from './workload/tenants';
export { TransferBook, type SentTransfer, type Verdict } from './audit/transfer-book';
export { auditRun } from './audit/audit';
export type { SettlementAccess } from './audit/settlement';
export { newTransfer } from './scenarios/transfer';
export { failureOf, verdictOf, type Answer } from './scenarios/answers';
export type { ScenarioContext } from './scenarios/scenario';
export type { AuditSummary, AuditViolation } from './report/summary';
