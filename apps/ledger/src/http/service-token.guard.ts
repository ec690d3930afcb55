import { type CanActivate, type ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import type { LedgerConfig } from '@meridian/config';
import { InjectConfig } from '@meridian/config/nest';
import { BearerToken, ProblemException } from '@meridian/bootstrap';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Only Meridian's own services call the ledger: every route behind this guard needs the service token. */
@Injectable()
export class ServiceTokenGuard implements CanActivate {
  private readonly token: BearerToken;

  constructor(@InjectConfig() config: LedgerConfig) {
    this.token = new BearerToken(config.LEDGER_SERVICE_TOKEN);
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    if (this.token.matches(header)) return true;
    void context
      .switchToHttp()
      .getResponse<FastifyReply>()
      .header('www-authenticate', 'Bearer realm="ledger"');
    throw ProblemException.of(
      HttpStatus.UNAUTHORIZED,
      'unauthorized',
      'Authentication is required',
      header === undefined
        ? 'Send Authorization: Bearer <service token>.'
        : 'The service token is not valid.',
    );
  }
}
