import { randomUUID } from 'node:crypto';
import { type ExportedSpan, OtlpReceiver } from '@meridian/testing';
import {
  ADMIN_TOKEN,
  ApiStack,
  LEDGER_TOKEN,
  request,
  SETTLEMENT_LEDGER_TOKEN,
  SETTLEMENT_TOKEN,
} from './support/api-fixture';

const CALLER_TRACE_ID = 'a3c5e1f0b2d4968778695a4b3c2d1e0f';
const CALLER_SPAN_ID = '1234567890abcdef';
const CALLER_TRACEPARENT = `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01`;

/** Traces of requests through the api and on to the ledger, as exported to a collector. */
describe('traces through the api', () => {
  let collector: OtlpReceiver;
  let otlp: Record<string, string>;
  let stack: ApiStack;

  beforeAll(async () => {
    collector = await OtlpReceiver.start();
    otlp = {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '50',
    };
    stack = await ApiStack.start('api_traces', otlp, { ledgerEnv: otlp });
  });

  afterAll(async () => {
    await stack?.stop();
    await collector?.close();
  });

  const serverSpan = (service: string, match: (span: ExportedSpan) => boolean) =>
    collector.waitForSpan((span) => span.service === service && span.kind === 'server' && match(span));

  /** The ledger's server span in a trace, and the api's span it is the child of. */
  const ledgerCallIn = async (traceId: string) => {
    const ledger = await serverSpan('ledger', (span) => span.traceId === traceId);
    const caller = await collector.waitForSpan((span) => span.spanId === ledger.parentSpanId);
    return { ledger, caller };
  };

  it("starts a new trace for a caller's request, links it to the caller's, and continues the new one in the ledger", async () => {
    const tenant = await stack.tenant('untrusted');
    const reply = await request(stack.url, 'GET', '/v1/accounts/missing', undefined, {
      authorization: `Bearer ${tenant.token}`,
      traceparent: CALLER_TRACEPARENT,
    });
    expect(reply.status).toBe(404);
    const api = await serverSpan('api', (span) =>
      span.links.some((link) => link.traceId === CALLER_TRACE_ID),
    );
    expect(api.traceId).not.toBe(CALLER_TRACE_ID);
    expect(api).toMatchObject({
      parentSpanId: '',
      links: [{ traceId: CALLER_TRACE_ID, spanId: CALLER_SPAN_ID }],
    });
    const { ledger, caller } = await ledgerCallIn(api.traceId);
    expect(caller).toMatchObject({ service: 'api', kind: 'client', traceId: api.traceId });
    expect(ledger.links).toEqual([]);
  });

  it("continues the caller's trace through the api and the ledger with TRACE_CONTEXT_TRUSTED=true", async () => {
    const tenant = await stack.tenant('trusted');
    const api = await stack.startApi({ ...otlp, TRACE_CONTEXT_TRUSTED: 'true' });
    try {
      const reply = await request(api.url, 'GET', '/v1/accounts/missing', undefined, {
        authorization: `Bearer ${tenant.token}`,
        traceparent: CALLER_TRACEPARENT,
      });
      expect(reply.status).toBe(404);
      const server = await serverSpan('api', (span) => span.parentSpanId === CALLER_SPAN_ID);
      expect(server).toMatchObject({ traceId: CALLER_TRACE_ID, links: [] });
      const { caller } = await ledgerCallIn(CALLER_TRACE_ID);
      expect(caller).toMatchObject({ service: 'api', kind: 'client' });
    } finally {
      await api.stop();
    }
  });

  it('exports no span that carries the API key, the Idempotency-Key, a service token or any request or response content', async () => {
    const tenant = await stack.tenant('secrets');
    const idempotencyKey = `idempotency-${randomUUID()}`;
    const note = `note-${randomUUID()}`;
    const body = { id: 'wallet', currency: 'EUR', metadata: { note } };
    const created = await tenant.post('/v1/accounts', body, idempotencyKey);
    expect(created.status).toBe(201);
    expect(JSON.stringify(created.body)).toContain(note);
    const replayed = await tenant.post('/v1/accounts', body, idempotencyKey);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');

    // The api stored the response with EVAL and read it back with GET for the replay.
    await collector.waitForSpan((span) => span.service === 'api' && span.name === 'eval');
    await collector.waitForSpan((span) => span.service === 'api' && span.name === 'get');
    await serverSpan('ledger', (span) => span.attributes['http.route'] === '/v1/tenants/:tenantId/accounts');

    const exported = collector.received('/v1/traces');
    for (const secret of [
      tenant.token,
      idempotencyKey,
      LEDGER_TOKEN,
      SETTLEMENT_LEDGER_TOKEN,
      SETTLEMENT_TOKEN,
      ADMIN_TOKEN,
      note,
    ]) {
      expect(exported).not.toContain(secret);
    }
  });

  it("exports the ledger's posting statements with every string literal replaced by ?, so no batch's rows reach a trace", async () => {
    const tenant = await stack.tenant('literals');
    await tenant.account('wallet');
    await tenant.account('shop');
    const note = `note-${randomUUID()}`;
    const paid = await tenant.post(
      '/v1/transfers',
      {
        debitAccountId: 'wallet',
        creditAccountId: 'shop',
        amount: '10',
        currency: 'EUR',
        metadata: { note },
      },
      `idempotency-${randomUUID()}`,
    );
    expect(paid.status).toBe(201);
    const transferId = (paid.body as { id: string }).id;

    // The posting transaction's last round trip: the write, with COMMIT.
    const write = await collector.waitForSpan(
      (span) =>
        span.service === 'ledger' &&
        typeof span.attributes['db.query.text'] === 'string' &&
        /^WITH step_0 [\s\S]*COMMIT$/.test(span.attributes['db.query.text']),
    );
    expect(write.attributes['db.query.text']).toContain('jsonb_to_recordset(?::jsonb)');
    const exported = collector.received('/v1/traces');
    expect(exported).not.toContain(note);
    expect(exported).not.toContain(transferId);
  });
});
