import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ServiceMetrics } from './metrics';

/** Probes and scrapes: counted in metrics, but not logged line by line. */
const QUIET_ROUTES = new Set(['/health/live', '/health/ready', '/health/startup', '/metrics']);

/**
 * One hook per response records the request histogram and writes the access
 * log line. Routes are labelled by their template (`/v1/accounts/:id`), never
 * the raw URL, so metric cardinality stays bounded; unmatched URLs share one
 * label. The hook runs inside the request's span, so the line carries its
 * trace id.
 */
export function observeFastifyRequests(
  fastify: FastifyInstance,
  logger: Logger,
  metrics: ServiceMetrics,
): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    const seconds = reply.elapsedTime / 1000;
    metrics.recordHttpRequest(request.method, route, status, seconds);
    if (!QUIET_ROUTES.has(route)) {
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      logger[level](
        {
          req_id: request.id,
          method: request.method,
          route,
          path: request.url.split('?')[0],
          status,
          duration_ms: Math.round(reply.elapsedTime * 100) / 100,
        },
        `${request.method} ${route} ${status}`,
      );
    }
    done();
  });
}
