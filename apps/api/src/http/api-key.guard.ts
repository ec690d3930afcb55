import {
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  HttpStatus,
  Injectable,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ProblemException } from '@meridian/bootstrap';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Scope } from '../domain/api-key';
import { ApiKeyStore, type Principal } from '../application/api-key.store';
import { AuthFailureLimiter } from '../infrastructure/redis/auth-failure.limiter';

/** The metadata key of `@RequireScope` (the OpenAPI operations are checked against it). */
export const SCOPE = 'meridian:scope';

/** The scope a route needs: `read` for reads, `write` to move money, `admin` to manage keys. */
export const RequireScope = (scope: Scope) => SetMetadata(SCOPE, scope);

type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/** The authenticated caller (tenant, key, scopes) of a route behind ApiKeyGuard. */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().principal!,
);

export const principalOf = (request: FastifyRequest): Principal | undefined =>
  (request as AuthenticatedRequest).principal;

/**
 * `Authorization: Bearer mk_...`: finds the tenant, and checks the route's
 * scope. A client address that keeps failing is refused (429) before its
 * next unknown key reaches the database (AuthFailureLimiter).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeyStore,
    private readonly failures: AuthFailureLimiter,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const token = typeof header === 'string' ? /^Bearer ([\x21-\x7e]+)$/.exec(header)?.[1] : undefined;
    const principal = (token && this.keys.cached(token)) || (await this.verifyUncached(request.ip, token));
    if (!principal) {
      await this.failures.recordFailure(request.ip);
      void http.getResponse<FastifyReply>().header('www-authenticate', 'Bearer realm="meridian"');
      throw ProblemException.of(
        HttpStatus.UNAUTHORIZED,
        'unauthorized',
        'Authentication is required',
        header === undefined
          ? 'Send Authorization: Bearer <API key>.'
          : 'The API key is not valid or was revoked.',
      );
    }
    const scope = this.reflector.get<Scope | undefined>(SCOPE, context.getHandler());
    if (scope && !principal.scopes.has(scope)) {
      throw ProblemException.of(
        HttpStatus.FORBIDDEN,
        'forbidden',
        'The key lacks a scope',
        `This needs the "${scope}" scope.`,
      );
    }
    request.principal = principal;
    return true;
  }

  private async verifyUncached(address: string, token: string | undefined): Promise<Principal | null> {
    const retryAfterSeconds = await this.failures.blockedFor(address);
    if (retryAfterSeconds > 0) {
      throw ProblemException.of(
        HttpStatus.TOO_MANY_REQUESTS,
        'authentication-rate-limited',
        'Too many failed authentications',
        `This client address failed to authenticate too often; retry after ${retryAfterSeconds} s with a valid API key.`,
        { retryAfterSeconds },
      );
    }
    return token ? this.keys.verify(token) : null;
  }
}
