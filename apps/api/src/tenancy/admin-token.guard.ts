import { type CanActivate, type ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import type { ApiConfig } from '@meridian/config';
import { InjectConfig } from '@meridian/config/nest';
import { BearerToken, ProblemException } from '@meridian/bootstrap';
import type { FastifyRequest } from 'fastify';

/** The operator's endpoints (/admin) need `Authorization: Bearer $ADMIN_TOKEN`. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly token: BearerToken;

  constructor(@InjectConfig() config: ApiConfig) {
    this.token = new BearerToken(config.ADMIN_TOKEN);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.token.matches(context.switchToHttp().getRequest<FastifyRequest>().headers.authorization))
      return true;
    throw ProblemException.of(
      HttpStatus.UNAUTHORIZED,
      'unauthorized',
      'Authentication is required',
      'Send the admin token.',
    );
  }
}
