import {
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  HttpStatus,
  Inject,
  Injectable,
  type Type,
} from '@nestjs/common';
import { APP_CONFIG } from '@meridian/config/nest';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BearerCredentials, type Callers } from './bearer-token';
import { ProblemException } from './problem-details';

type RequestWithCaller = FastifyRequest & { caller?: string };

/**
 * A guard that admits requests bearing one of the tokens named in the
 * service's configuration, and remembers which caller presented it:
 *
 *   tokenGuard((c: LedgerConfig) => ({ api: [c.INBOUND_API_TOKEN, c.INBOUND_API_TOKEN_NEXT] }), 'service token')
 *
 * Anything else is a 401 problem with `WWW-Authenticate: Bearer`.
 */
export function tokenGuard<C>(callersOf: (config: C) => Callers, name: string): Type<CanActivate> {
  @Injectable()
  class TokenGuard implements CanActivate {
    private readonly credentials: BearerCredentials;

    constructor(@Inject(APP_CONFIG) config: C) {
      this.credentials = new BearerCredentials(callersOf(config));
    }

    canActivate(context: ExecutionContext): boolean {
      const http = context.switchToHttp();
      const request = http.getRequest<RequestWithCaller>();
      const header = request.headers.authorization;
      const caller = this.credentials.identify(header);
      if (caller !== null) {
        request.caller = caller;
        return true;
      }
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

/** The caller a token guard identified (`api`, `settlement`, ...): `handler(@Caller() caller: string)`. */
export const Caller = createParamDecorator(
  (_: unknown, context: ExecutionContext): string =>
    context.switchToHttp().getRequest<RequestWithCaller>().caller!,
);

/** The operator's endpoints (/admin) need `Authorization: Bearer $ADMIN_TOKEN` (config from `adminTokenPart`). */
export const AdminTokenGuard = tokenGuard(
  (config: { ADMIN_TOKEN: string; ADMIN_TOKEN_NEXT?: string }) => ({
    operator: [config.ADMIN_TOKEN, config.ADMIN_TOKEN_NEXT],
  }),
  'admin token',
);
