import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  headers: Record<string, string>;
  /** The body of each request, its extra headers (an Idempotency-Key, say), and its path when not the URL's. */
  next: () => { body: string; headers?: Record<string, string>; path?: string };
  /** Requests per second over all connections (a fixed, moderate rate); unset, as fast as answers come. */
  overallRate?: number;
}

export interface LoadResult {
  /** Requests answered 2xx. */
  ok: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** Connection errors, timeouts and answers other than 2xx. */
  errors: number;
  durationSeconds: number;
}

/** Closed-model HTTP load (autocannon): `connections` clients, each sending its next request when answered. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    method: 'POST',
    connections: options.connections,
    duration: options.durationSeconds,
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    requests: [
      {
        setupRequest: (request) => {
          const { body, headers, path } = options.next();
          return { ...request, ...(path ? { path } : {}), body, headers: { ...request.headers, ...headers } };
        },
      },
    ],
  });
  return {
    ok: result['2xx'],
    requestsPerSecond: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
    durationSeconds: result.duration,
  };
}
