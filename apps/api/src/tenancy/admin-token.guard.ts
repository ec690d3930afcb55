import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import type { ApiConfig } from '@meridian/config';
import { InjectConfig } from '@meridian/config/nest';
import { ProblemException } from '@meridian/bootstrap';
import type { FastifyRequest } from 'fastify';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** The operator's endpoints (/admin) need `Authorization: Bearer $ADMIN_TOKEN`. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@InjectConfig() config: ApiConfig) {
    this.expected = digest(config.ADMIN_TOKEN);
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization ?? '';
    const token = /^Bearer (.+)$/.exec(header)?.[1];
    if (token && timingSafeEqual(digest(token), this.expected)) return true;
    throw ProblemException.of(
      HttpStatus.UNAUTHORIZED,
      'unauthorized',
      'Authentication is required',
      'Send the admin token.',
    );
  }
}
