import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import { problemType, ValidBody, ValidParam, ValidQuery } from '@meridian/bootstrap';
import {
  type AccountRepresentation,
  type AccountResults,
  differingField,
  identifier,
  isSuccess,
  type Page,
} from '@meridian/ledger-contract';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Idempotent, idempotencyKeyOf } from './idempotency.interceptor';
import { InjectServiceClient, type ServiceClient } from '@meridian/service-client';
import { CurrentPrincipal, RequireScope } from './api-key.guard';
import { TenantRoute } from './tenant-route';
import type { Principal } from '../application/api-key.store';
import { BusinessProblem } from './business-problem';
import { okBody } from './ledger-replies';
import {
  createAccountRequest,
  type CreateAccountRequest,
  derivedId,
  listQuery,
  type ListQuery,
} from './requests';

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
    @ValidBody(createAccountRequest) input: CreateAccountRequest,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const id = input.id ?? derivedId('acct', principal.tenantId, idempotencyKeyOf(request));
    const answer = okBody(
      await this.ledger.post<AccountResults>(
        `/v1/tenants/${principal.tenantId}/accounts`,
        { accounts: [{ ...input, id }] },
        { affinityKey: principal.tenantId },
      ),
    );
    const { result, account } = answer.results[0]!;
    if (!isSuccess(result)) {
      throw new BusinessProblem({
        type: problemType('account-id-conflict'),
        title: 'The account id exists with other fields',
        status: 409,
        detail: `Account "${id}" exists with a different ${differingField(result) ?? result}.`,
      });
    }
    void reply.status(result === 'created' ? 201 : 200).header('location', `/v1/accounts/${id}`);
    return account;
  }

  @Get(':id')
  @RequireScope('read')
  async get(@CurrentPrincipal() principal: Principal, @ValidParam('id', identifier) accountId: string) {
    return okBody(
      await this.ledger.get<AccountRepresentation>(`/v1/tenants/${principal.tenantId}/accounts/${accountId}`),
    );
  }

  @Get()
  @RequireScope('read')
  async list(@CurrentPrincipal() principal: Principal, @ValidQuery(listQuery) { limit, cursor }: ListQuery) {
    const params = new URLSearchParams({ ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}) });
    return okBody(
      await this.ledger.get<Page<AccountRepresentation>>(
        `/v1/tenants/${principal.tenantId}/accounts?${params.toString()}`,
      ),
    );
  }
}
