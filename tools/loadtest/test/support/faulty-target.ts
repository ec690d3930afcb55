import { createServer, request as forward, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the fake target does to one transfer, the n-th new plain one it sees (a replay is not new):
 *   acknowledge-and-drop  answers 201 as the api would, never forwards it (a lost write)
 *   do-and-refuse         forwards it, then answers 422 (a refusal of something that was done)
 *   do-and-hang-up        forwards it, then closes the connection unanswered (in doubt)
 *   refuse-resolutions    (every post or void of a pending transfer) answers 422 without forwarding it,
 *                         so the pending transfers keep holding their amounts
 * The lying faults tell every later request for that transfer the same lie.
 */
export type Fault = 'acknowledge-and-drop' | 'do-and-refuse' | 'do-and-hang-up' | 'refuse-resolutions';

/**
 * A fake target for the audit's own tests: a proxy in front of the real api
 * with a fault for one transfer. The switch lives here, in the tests, never
 * in the services.
 */
export class FaultyTarget {
  /** The id of the transfer the fault was done to, once it has been. */
  faultedTransferId: string | undefined;
  /** Transfer ids seen so far: a replay of one is not a new transfer. */
  private readonly seen = new Set<string>();

  private constructor(
    private readonly server: Server,
    private readonly upstream: URL,
    private readonly fault: Fault,
    /** The n-th plain (not pending) transfer gets the fault (1-based). */
    private readonly nth: number,
  ) {}

  static async start(upstream: string, fault: Fault, nth: number): Promise<FaultyTarget> {
    const target = new FaultyTarget(createServer(), new URL(upstream), fault, nth);
    target.server.on('request', (incoming, outgoing) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const body = Buffer.concat(chunks);
        if (
          target.fault === 'refuse-resolutions' &&
          incoming.method === 'POST' &&
          /^\/v1\/transfers\/[^/]+\/(post|void)$/.test(incoming.url ?? '')
        ) {
          target.faultedTransferId ??= incoming.url;
          target.refuse(outgoing);
          return;
        }
        const faulted =
          incoming.method === 'POST' && incoming.url === '/v1/transfers' && target.faultFor(body);
        if (faulted === 'lie-again' || (faulted && target.fault === 'acknowledge-and-drop')) {
          target.lie(body, outgoing, faulted === 'lie-again');
          return;
        }
        const proxied = forward(
          {
            host: target.upstream.hostname,
            port: target.upstream.port,
            method: incoming.method,
            path: incoming.url,
            headers: incoming.headers,
          },
          (answer) => {
            if (faulted && target.fault === 'do-and-hang-up') {
              answer.resume();
              answer.on('end', () => outgoing.socket?.destroy());
              return;
            }
            if (faulted) {
              answer.resume();
              answer.on('end', () => target.lie(body, outgoing, false));
              return;
            }
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(outgoing);
          },
        );
        proxied.on('error', () => outgoing.destroy());
        proxied.end(body);
      });
    });
    await new Promise<void>((resolve) => target.server.listen(0, '127.0.0.1', resolve));
    return target;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Whether this request gets the fault: the first time, or again for a fault that keeps lying. */
  private faultFor(body: Buffer): boolean | 'lie-again' {
    const asked = JSON.parse(body.toString()) as { id?: string; pending?: boolean };
    if (this.faultedTransferId !== undefined)
      return asked.id === this.faultedTransferId && this.fault !== 'do-and-hang-up' ? 'lie-again' : false;
    if (asked.pending || asked.id === undefined || this.seen.has(asked.id)) return false;
    this.seen.add(asked.id);
    if (this.seen.size !== this.nth) return false;
    this.faultedTransferId = asked.id;
    return true;
  }

  private refuse(outgoing: ServerResponse) {
    outgoing.writeHead(422, { 'content-type': 'application/problem+json' });
    outgoing.end(
      JSON.stringify({
        type: 'https://meridian.dev/problems/insufficient-funds',
        title: 'Insufficient funds',
        status: 422,
        detail: 'refused by the fake target',
      }),
    );
  }

  private lie(body: Buffer, outgoing: ServerResponse, again: boolean) {
    const asked = JSON.parse(body.toString()) as Record<string, unknown>;
    if (this.fault === 'do-and-refuse') {
      this.refuse(outgoing);
      return;
    }
    // The same acknowledgement to every replay, as an idempotency store holding the lost answer would give.
    outgoing.writeHead(201, {
      'content-type': 'application/json',
      ...(again ? { 'idempotent-replayed': 'true' } : {}),
    });
    outgoing.end(JSON.stringify({ ...asked, tenantId: 'unknown', createdAt: new Date().toISOString() }));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
