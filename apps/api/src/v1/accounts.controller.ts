import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { parseOrThrow, problemType } from '@meridian/bootstrap';
import { identifier } from '@meridian/ledger-contract';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Idempotent, idempotencyKeyOf } from '../idempotency/idempotency.interceptor';
import { InjectServiceClient, type ServiceClient } from '@meridian/service-client';
import { CurrentPrincipal, RequireScope } from '../tenancy/api-key.guard';
import { TenantRoute } from '../tenancy/tenant-route';
import type { Principal } from '../tenancy/api-key.store';
import { BusinessProblem } from './business-problem';
import { okBody } from './ledger-replies';
import { createAccountRequest, derivedId, listQuery } from './requests';

interface AccountResult {
  results: { result: string; account: unknown }[];
}

/** Accounts of the caller's tenant: create, get, list. */
@Controller('v1/accounts')
@TenantRoute()
export class AccountsController {
  constructor(@InjectServiceClient('ledger') private readonly ledger: ServiceClient) {}

  @Post()
  @RequireScope('write')
  @Idempotent()
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const input = parseOrThrow(createAccountRequest, body);
    const id = input.id ?? derivedId('acct', principal.tenantId, idempotencyKeyOf(request));
    const answer = okBody(
      await this.ledger.post<AccountResult>(`/v1/tenants/${principal.tenantId}/accounts`, {
        accounts: [{ ...input, id }],
      }),
    );
    const [{ result, account }] = answer.results as [AccountResult['results'][number]];
    if (result !== 'created' && result !== 'exists') {
      throw new BusinessProblem({
        type: problemType('account-id-conflict'),
        title: 'The account id exists with other fields',
        status: 409,
        detail: `Account "${id}" exists with a different ${result.replace('exists_with_different_', '')}.`,
      });
    }
    void reply.status(result === 'created' ? 201 : 200).header('location', `/v1/accounts/${id}`);
    return account;
  }

  @Get(':id')
  @RequireScope('read')
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    const accountId = parseOrThrow(identifier, id, 'id');
    return okBody(await this.ledger.get(`/v1/tenants/${principal.tenantId}/accounts/${accountId}`));
  }

  @Get()
  @RequireScope('read')
  async list(@CurrentPrincipal() principal: Principal, @Query() query: unknown) {
    const { limit, cursor } = parseOrThrow(listQuery, query ?? {});
    const params = new URLSearchParams({ ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}) });
    return okBody(await this.ledger.get(`/v1/tenants/${principal.tenantId}/accounts?${params.toString()}`));
  }
}
