import { createServer, request as forward, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake target for the audit's own test: a proxy in front of the real api
 * that, for one transfer, answers 201 as the api would but never forwards
 * it: an acknowledged write that is lost. The switch lives here, in the test,
 * never in the services.
 */
export class LossyTarget {
  /** The id of the transfer it acknowledged and dropped, once it has. */
  lostTransferId: string | undefined;
  private seen = 0;

  private constructor(
    private readonly server: Server,
    /** Drops the n-th single transfer (1-based). */
    private readonly loseNth: number,
  ) {}

  static async start(upstream: string, loseNth: number): Promise<LossyTarget> {
    const target = new LossyTarget(createServer(), loseNth);
    const base = new URL(upstream);
    target.server.on('request', (incoming, outgoing) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const body = Buffer.concat(chunks);
        if (incoming.method === 'POST' && incoming.url === '/v1/transfers' && target.shouldLose(body)) {
          const asked = JSON.parse(body.toString()) as Record<string, unknown>;
          const replayed = target.lostTransferId !== undefined;
          target.lostTransferId = String(asked.id);
          // The same lie to every replay of it, as an idempotency store holding the lost answer would tell.
          outgoing.writeHead(201, {
            'content-type': 'application/json',
            ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
          });
          outgoing.end(
            JSON.stringify({ ...asked, tenantId: 'unknown', createdAt: new Date().toISOString() }),
          );
          return;
        }
        const proxied = forward(
          {
            host: base.hostname,
            port: base.port,
            method: incoming.method,
            path: incoming.url,
            headers: incoming.headers,
          },
          (answer) => {
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

  /** The n-th plain (not pending) transfer, and every later request for it. */
  private shouldLose(body: Buffer): boolean {
    const asked = JSON.parse(body.toString()) as { id?: string; pending?: boolean };
    if (this.lostTransferId !== undefined) return asked.id === this.lostTransferId;
    if (asked.pending) return false;
    return ++this.seen === this.loseNth;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
