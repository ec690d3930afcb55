import {
  type CanActivate,
  type ExecutionContext,
  HttpStatus,
  Inject,
  Injectable,
  type Type,
} from '@nestjs/common';
import { APP_CONFIG } from '@meridian/config/nest';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BearerToken } from './bearer-token';
import { ProblemException } from './problem-details';

/**
 * A guard that admits requests bearing the token named in the service's
 * configuration: `@UseGuards(tokenGuard((c: LedgerConfig) => c.LEDGER_SERVICE_TOKEN, 'service token'))`.
 * Anything else is a 401 problem with `WWW-Authenticate: Bearer`.
 */
export function tokenGuard<C>(tokenOf: (config: C) => string, name: string): Type<CanActivate> {
  @Injectable()
  class TokenGuard implements CanActivate {
    private readonly token: BearerToken;

    constructor(@Inject(APP_CONFIG) config: C) {
      this.token = new BearerToken(tokenOf(config));
    }

    canActivate(context: ExecutionContext): boolean {
      const http = context.switchToHttp();
      const header = http.getRequest<FastifyRequest>().headers.authorization;
      if (this.token.matches(header)) return true;
      void http.getResponse<FastifyReply>().header('www-authenticate', 'Bearer realm="meridian"');
      throw ProblemException.of(
        HttpStatus.UNAUTHORIZED,
        'unauthorized',
        'Authentication is required',
        header === undefined ? `Send Authorization: Bearer <${name}>.` : `The ${name} is not valid.`,
      );
    }
  }
  return TokenGuard;
}
