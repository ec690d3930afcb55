import { Controller, Get, UseGuards } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { ConfigModule } from '@meridian/config/nest';
import pino from 'pino';
import { Caller, ProblemDetailsFilter, tokenGuard } from '../src';

interface TokensConfig {
  INBOUND_API_TOKEN: string;
  INBOUND_API_TOKEN_NEXT?: string;
  INBOUND_SETTLEMENT_TOKEN: string;
}

const config: TokensConfig = {
  INBOUND_API_TOKEN: 'api-current-token-0123456789abcdef0123456',
  INBOUND_API_TOKEN_NEXT: 'api-next-token-0123456789abcdef0123456789',
  INBOUND_SETTLEMENT_TOKEN: 'settlement-token-0123456789abcdef01234567',
};

const ServiceTokenGuard = tokenGuard(
  (c: TokensConfig) => ({
    api: [c.INBOUND_API_TOKEN, c.INBOUND_API_TOKEN_NEXT],
    settlement: [c.INBOUND_SETTLEMENT_TOKEN],
  }),
  'service token',
);

@Controller('probe')
@UseGuards(ServiceTokenGuard)
class ProbeController {
  @Get()
  probe(@Caller() caller: string) {
    return { caller };
  }
}

/** An in-process Nest application on Fastify with the guard on one route, configured as a service is. */
async function application(tokens: TokensConfig): Promise<NestFastifyApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(tokens)],
    controllers: [ProbeController],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
    logger: false,
  });
  app.useGlobalFilters(new ProblemDetailsFilter(pino({ level: 'silent' })));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
}

async function close(app: NestFastifyApplication): Promise<void> {
  app.getHttpServer().closeAllConnections();
  await app.close();
}

describe('tokenGuard (in process)', () => {
  let app: NestFastifyApplication;

  const call = async (target: NestFastifyApplication, authorization?: string) => {
    const reply = await fetch(`${await target.getUrl()}/probe`, {
      headers: authorization === undefined ? {} : { authorization },
    });
    return {
      status: reply.status,
      headers: Object.fromEntries(reply.headers),
      body: (await reply.json()) as Record<string, unknown>,
    };
  };

  beforeAll(async () => {
    app = await application(config);
  });

  afterAll(async () => {
    if (app) await close(app);
  });

  it("admits each caller's current and next token and tells the handler which caller presented it", async () => {
    const callers = [];
    for (const token of [
      config.INBOUND_API_TOKEN,
      config.INBOUND_API_TOKEN_NEXT,
      config.INBOUND_SETTLEMENT_TOKEN,
    ])
      callers.push(await call(app, `Bearer ${token}`));
    expect(callers.map((r) => [r.status, r.body.caller])).toEqual([
      [200, 'api'],
      [200, 'api'],
      [200, 'settlement'],
    ]);
  });

  it('answers 401 problem+json with WWW-Authenticate: Bearer, naming the token, to no header, another scheme, an unknown token and a known one with a suffix', async () => {
    const cases: [string, string | undefined, string][] = [
      ['no header', undefined, 'Send Authorization: Bearer <service token>.'],
      ['another scheme', `Basic ${config.INBOUND_API_TOKEN}`, 'The service token is not valid.'],
      [
        'an unknown token',
        'Bearer not-a-token-of-anyone-0123456789abcdef',
        'The service token is not valid.',
      ],
      [
        'a known token with a suffix',
        `Bearer ${config.INBOUND_API_TOKEN}x`,
        'The service token is not valid.',
      ],
    ];
    for (const [what, authorization, detail] of cases) {
      const reply = await call(app, authorization);
      expect([what, reply.status, reply.headers['www-authenticate']]).toEqual([
        what,
        401,
        'Bearer realm="meridian"',
      ]);
      expect(reply.headers['content-type']).toContain('application/problem+json');
      expect(reply.body).toMatchObject({
        type: 'https://meridian.dev/problems/unauthorized',
        status: 401,
        detail,
      });
    }
  });

  it('skips a token the configuration leaves unset: the next token of a finished rotation admits nobody', async () => {
    const rotated = await application({ ...config, INBOUND_API_TOKEN_NEXT: undefined });
    try {
      expect((await call(rotated, `Bearer ${config.INBOUND_API_TOKEN}`)).status).toBe(200);
      expect((await call(rotated, `Bearer ${config.INBOUND_API_TOKEN_NEXT}`)).status).toBe(401);
      expect((await call(rotated, 'Bearer undefined')).status).toBe(401);
      expect((await call(rotated, 'Bearer ')).status).toBe(401);
    } finally {
      await close(rotated);
    }
  });
});
