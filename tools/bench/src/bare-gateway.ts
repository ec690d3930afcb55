import { createHash } from 'node:crypto';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { Pool } from 'undici';

/**
 * The api's physical baseline for a single transfer: the least work its
 * contract needs, with no framework, telemetry or logs. Fastify parses the
 * body; a known key is looked up in memory (as the api's key cache does);
 * one Redis script counts the rate limit and claims the Idempotency-Key; the
 * ledger is called once on a keep-alive pool; one Redis command records the
 * answer. bench:api runs it as a child process (forked, so its CPU is its own)
 * and divides the api's CPU per request by this one's.
 *
 * Started with BARE_LEDGER_URL, BARE_LEDGER_TOKEN, BARE_API_KEY, BARE_TENANT,
 * BARE_REDIS_URL and BARE_REDIS_PREFIX; sends its port to the parent.
 */

const CLAIM = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return 1 end
return redis.call('GET', KEYS[2])`;

async function main(): Promise<void> {
  const env = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is required`);
    return value;
  };
  const tenant = env('BARE_TENANT');
  const keys = new Map([[env('BARE_API_KEY'), tenant]]);
  const prefix = env('BARE_REDIS_PREFIX');
  const redis = new Redis(env('BARE_REDIS_URL'), { enableAutoPipelining: true });
  const ledger = new Pool(env('BARE_LEDGER_URL'), { connections: 32 });
  const ledgerToken = `Bearer ${env('BARE_LEDGER_TOKEN')}`;

  const app = Fastify();
  app.post('/v1/transfers', async (request, reply) => {
    const tenantId = keys.get(request.headers.authorization?.slice('Bearer '.length) ?? '');
    if (!tenantId) return reply.code(401).send({ type: 'unauthorized' });
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string') return reply.code(400).send({ type: 'idempotency-key-missing' });
    const body = JSON.stringify(request.body);
    const fingerprint = createHash('sha256').update(body).digest('hex');
    const record = `${prefix}idem:${tenantId}:${key}`;
    const claim = await redis.eval(
      CLAIM,
      2,
      `${prefix}rate:${tenantId}`,
      record,
      60_000,
      fingerprint,
      30_000,
    );
    if (claim !== 1) return reply.code(409).send({ type: 'idempotency-key-in-flight' });
    const answer = await ledger.request({
      method: 'POST',
      path: `/v1/tenants/${tenantId}/transfers`,
      headers: { authorization: ledgerToken, 'content-type': 'application/json' },
      body: `{"transfers":[${body}]}`,
    });
    const results = (await answer.body.json()) as { results: { result: string; transfer: unknown }[] };
    const item = results.results[0]!;
    const status = item.result === 'created' ? 201 : 200;
    await redis.set(record, JSON.stringify({ status, body: item.transfer }), 'PX', 86_400_000);
    return reply.code(status).send(item.transfer);
  });

  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  process.send!({ url: address });
  process.once('SIGTERM', () => {
    void app
      .close()
      .then(() => Promise.all([redis.quit(), ledger.close()]))
      .then(() => process.exit(0));
  });
}

void main();
