import { applyDecorators, UseGuards } from '@nestjs/common';
import { RateLimitGuard } from './rate-limit.guard';
import { TenantConcurrencyGuard } from './tenant-concurrency.guard';
import { ApiKeyGuard } from './api-key.guard';

/**
 * Every route a tenant calls: its API key authenticates it, then its rate
 * limit and its share of the replica are checked, in that order.
 */
export const TenantRoute = () =>
  applyDecorators(UseGuards(ApiKeyGuard, RateLimitGuard, TenantConcurrencyGuard));
