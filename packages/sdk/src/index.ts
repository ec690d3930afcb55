export {
  type Account,
  type BatchResults,
  createMeridianClient,
  idempotencyKeyOf,
  MeridianNetworkError,
  type MeridianClient,
  type MeridianClientOptions,
  type paths,
  type Problem,
  type RetryOptions,
  type SettlementBatch,
  type Transfer,
} from './client';
export type { components, operations } from './generated/openapi';
