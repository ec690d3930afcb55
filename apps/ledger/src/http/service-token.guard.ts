import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import type { LedgerConfig } from '@meridian/config';
import { InjectConfig } from '@meridian/config/nest';
import { ProblemException } from '@meridian/bootstrap';
import type { FastifyReply, FastifyRequest } from 'fastify';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Only Meridian's own services call the ledger: every route behind this guard
 * needs `Authorization: Bearer <LEDGER_SERVICE_TOKEN>`. The comparison takes
 * the same time whatever the token, so it leaks nothing.
 */
@Injectable()
export class ServiceTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@InjectConfig() config: LedgerConfig) {
    this.expected = digest(config.LEDGER_SERVICE_TOKEN);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer (.+)$/i.exec(header);
    if (match && timingSafeEqual(digest(match[1]!), this.expected)) return true;
    void context
      .switchToHttp()
      .getResponse<FastifyReply>()
      .header('www-authenticate', 'Bearer realm="ledger"');
    throw ProblemException.of(
      HttpStatus.UNAUTHORIZED,
      'unauthorized',
      'Authentication is required',
      header === '' ? 'Send Authorization: Bearer <service token>.' : 'The service token is not valid.',
    );
  }
}
