import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A plain HTTP request with node:http, so tests control connections (keep-alive agents, timing). */
export function httpRequest(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    agent?: Agent;
    timeoutMs?: number;
  } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.setTimeout(options.timeoutMs ?? 30_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** Resolves true if a new TCP connection to the port is refused. */
export function connectionRefused(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/**
 * A POST whose body is still being sent: the headers and the first part of
 * the body go out now, the rest when `finish()` is called. The response is
 * parsed from the raw socket.
 */
export class PartialRequest {
  readonly response: Promise<HttpResult>;
  #socket: Socket;
  #rest: string;

  private constructor(socket: Socket, rest: string, response: Promise<HttpResult>) {
    this.#socket = socket;
    this.#rest = rest;
    this.response = response;
  }

  static async open(
    port: number,
    path: string,
    body: string,
    sentNow: number,
    headers: Record<string, string> = {},
  ): Promise<PartialRequest> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    let raw = '';
    const response = new Promise<HttpResult>((resolve, reject) => {
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (raw += chunk));
      socket.once('error', reject);
      socket.once('close', () => resolve(parseRawResponse(raw)));
    });
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        Object.entries(headers)
          .map(([name, value]) => `${name}: ${value}\r\n`)
          .join('') +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, sentNow)}`,
    );
    return new PartialRequest(socket, body.slice(sentNow), response);
  }

  finish(): void {
    this.#socket.write(this.#rest);
  }
}

function parseRawResponse(raw: string): HttpResult {
  const [head = '', ...rest] = raw.split('\r\n\r\n');
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = rest.join('\r\n\r\n');
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, body };
}

function dechunk(body: string): string {
  let out = '';
  let rest = body;
  for (;;) {
    const i = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, i), 16);
    if (!size) return out;
    out += rest.slice(i + 2, i + 2 + size);
    rest = rest.slice(i + 2 + size + 2);
  }
}

/** One request of a `KeepAliveLoad`: when it was sent and how it ended. */
export interface LoadRequest {
  client: number;
  /** When its bytes were handed to the connection (when it was started, if they never were). */
  sentAt: number;
  /** The status, or the error code when no response came. */
  status?: number;
  error?: string;
  /** The response's `Connection` header. */
  connection?: string;
}

/**
 * Continuous load from `clients` closed-loop clients, each on its own
 * keep-alive connection (a new one when the server closed it), as callers
 * behind a load balancer keep theirs. A request that failed on a reused
 * connection before any response is sent again once on a new one, as HTTP
 * clients do for idempotent requests (RFC 9112, section 9.3.1): the server
 * closed an idle connection as the request went out, and never saw it.
 */
export class KeepAliveLoad {
  readonly requests: LoadRequest[] = [];
  readonly #agents: Agent[];
  readonly #loops: Promise<void>[];
  #stopped = false;

  constructor(url: string, clients: number) {
    this.#agents = Array.from({ length: clients }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
    this.#loops = this.#agents.map((agent, client) => this.#loop(url, agent, client));
  }

  /** Resolves once `count` requests have been answered. */
  async answered(count: number): Promise<void> {
    while (this.requests.filter((r) => r.status !== undefined).length < count) await sleep(10);
  }

  async stop(): Promise<LoadRequest[]> {
    this.#stopped = true;
    await Promise.all(this.#loops);
    for (const agent of this.#agents) agent.destroy();
    return this.requests;
  }

  async #loop(url: string, agent: Agent, client: number): Promise<void> {
    while (!this.#stopped) {
      const sending = { sentAt: Date.now() };
      const outcome = await get(url, agent, sending)
        .catch((error: Error) => (error instanceof ResetOnReuse ? get(url, agent) : Promise.reject(error)))
        .catch((error: NodeJS.ErrnoException) => ({ error: error.code ?? error.message }));
      this.requests.push({ client, sentAt: sending.sentAt, ...outcome });
      // Refused: nothing listens any more; try again a little later, as a client would.
      if ('error' in outcome) await sleep(20);
    }
  }
}

/** A reused connection was closed under the request before any response. */
class ResetOnReuse extends Error {}

/** One GET; `sending.sentAt` becomes the time its bytes were handed to the connection. */
function get(
  url: string,
  agent: Agent,
  sending?: { sentAt: number },
): Promise<{ status: number; connection?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
      res.on('error', reject);
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')
          ? new ResetOnReuse(error.message)
          : error,
      ),
    );
    req.once('finish', () => {
      if (sending) sending.sentAt = Date.now();
    });
    req.end();
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export { Agent };
