import {
  type CanActivate,
  Controller,
  type ExecutionContext,
  Get,
  HttpCode,
  Injectable,
  Post,
  UseGuards,
} from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import pino from 'pino';
import { z } from 'zod';
import {
  CallerBody,
  CallerParam,
  ProblemDetailsFilter,
  problemType,
  ValidBody,
  ValidParam,
  ValidQuery,
  ZodValidationPipe,
} from '../src';

const slug = z.string().regex(/^[a-z]{1,8}$/, { error: 'must be 1 to 8 lower-case letters' });
const amount = z
  .string()
  .regex(/^[1-9]\d*$/, { error: 'must be a positive whole number' })
  .transform((digits) => BigInt(digits));
const batch = z.strictObject({
  transfers: z.array(z.strictObject({ amount, note: z.string().optional() })).min(1),
});
const note = z.strictObject({ text: z.string().default('none') });
const page = z.strictObject({
  limit: z.coerce.number().int().min(1, { error: 'must be at least 1' }).default(10),
});
/** Callers differ in what they may name: only `platform` may use ids starting with "_". */
const idsOf = { tenant: slug, platform: z.string().regex(/^_?[a-z]{1,8}$/, { error: 'is not an id' }) };
const ownersOf = {
  tenant: z.strictObject({ owner: slug }),
  platform: z.strictObject({ owner: idsOf.platform }),
};

/** Stands in for a token guard: the caller is whoever the test says it is. */
@Injectable()
class CallerFromHeader implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string>; caller?: string }>();
    request.caller = request.headers['x-caller'];
    return true;
  }
}

/** What each handler was called with; a handler that is not called leaves nothing. */
const calls: unknown[] = [];

@Controller('things')
class ThingsController {
  @Post(':thingId/transfers')
  @HttpCode(200)
  transfers(@ValidParam('thingId', slug) thingId: string, @ValidBody(batch) body: z.output<typeof batch>) {
    calls.push({ thingId, body });
    return { thingId, total: body.transfers.reduce((sum, t) => sum + t.amount, 0n).toString() };
  }

  @Post(':thingId/notes')
  @HttpCode(200)
  note(@ValidBody(note, { absentAs: {} }) body: z.output<typeof note>) {
    calls.push(body);
    return body;
  }

  @Post(':thingId/strict-notes')
  @HttpCode(200)
  strictNote(@ValidBody(note) body: z.output<typeof note>) {
    calls.push(body);
    return body;
  }

  @Get()
  list(@ValidQuery(page) query: z.output<typeof page>) {
    calls.push(query);
    return query;
  }

  @Post('owned/:thingId')
  @HttpCode(200)
  @UseGuards(CallerFromHeader)
  owned(@CallerParam('thingId', idsOf) thingId: string, @CallerBody(ownersOf) body: { owner: string }) {
    calls.push({ thingId, body });
    return { thingId, owner: body.owner };
  }
}

describe('ZodValidationPipe in a Nest application on Fastify', () => {
  let app: NestFastifyApplication;
  let baseUrl: string;

  beforeAll(async () => {
    const module = await Test.createTestingModule({
      controllers: [ThingsController],
      providers: [CallerFromHeader],
    }).compile();
    app = module.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    app.useGlobalFilters(new ProblemDetailsFilter(pino({ level: 'silent' })));
    // A real listener on a free port: Fastify's in-memory inject needs an ES-module-only library Jest cannot load.
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = await app.getUrl();
  });

  afterAll(() => app.close());
  beforeEach(() => calls.splice(0));

  const send = async (method: 'GET' | 'POST', url: string, body?: unknown, caller?: string) => {
    const reply = await fetch(`${baseUrl}${url}`, {
      method,
      headers: {
        ...(caller === undefined ? {} : { 'x-caller': caller }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return {
      status: reply.status,
      contentType: reply.headers.get('content-type'),
      body: (await reply.json()) as Record<string, unknown>,
    };
  };

  /** The 400 problem a request gets, with the fields it names in order. */
  const invalid = (...errors: { field: string; message: string | RegExp }[]) => ({
    status: 400,
    contentType: expect.stringMatching(/^application\/problem\+json(;|$)/),
    body: expect.objectContaining({
      type: problemType('validation-failed'),
      status: 400,
      errors: errors.map(({ field, message }) => ({
        field,
        message: typeof message === 'string' ? message : expect.stringMatching(message),
      })),
    }),
  });

  it('hands the handler the parsed value, transformed by the schema', async () => {
    const reply = await send('POST', '/things/abc/transfers', {
      transfers: [{ amount: '9007199254740993' }, { amount: '7' }],
    });
    expect(reply).toMatchObject({ status: 200, body: { thingId: 'abc', total: '9007199254741000' } });
    expect(calls).toEqual([
      { thingId: 'abc', body: { transfers: [{ amount: 9007199254740993n }, { amount: 7n }] } },
    ]);
  });

  it('answers bad body fields with one 400 problem naming each by its path, and never calls the handler', async () => {
    const reply = await send('POST', '/things/abc/transfers', {
      transfers: [{ amount: '1' }, { amount: '-5', colour: 'red' }],
    });
    expect(reply).toEqual(
      invalid(
        { field: 'transfers[1].amount', message: 'must be a positive whole number' },
        { field: 'transfers[1]', message: 'unknown field(s) "colour"; remove them' },
      ),
    );
    expect(calls).toEqual([]);
  });

  it('names an unknown top-level field, or a missing body, as "(body)"', async () => {
    expect(await send('POST', '/things/abc/transfers', { transfers: [{ amount: '1' }], extra: 1 })).toEqual(
      invalid({ field: '(body)', message: 'unknown field(s) "extra"; remove them' }),
    );
    expect(await send('POST', '/things/abc/strict-notes')).toEqual(
      invalid({ field: '(body)', message: /expected object/i }),
    );
    expect(calls).toEqual([]);
  });

  it('names a bad path parameter by its name', async () => {
    expect(await send('POST', '/things/ABC/transfers', { transfers: [{ amount: '1' }] })).toEqual(
      invalid({ field: 'thingId', message: 'must be 1 to 8 lower-case letters' }),
    );
    expect(calls).toEqual([]);
  });

  it('validates an absent body as {} when the route says it may be left out', async () => {
    expect(await send('POST', '/things/abc/notes')).toMatchObject({ status: 200, body: { text: 'none' } });
    expect(await send('POST', '/things/abc/notes', { text: 'hi', x: 1 })).toEqual(
      invalid({ field: '(body)', message: 'unknown field(s) "x"; remove them' }),
    );
  });

  it('validates the query string as an object: defaults without one, the parameter named when bad', async () => {
    expect(await send('GET', '/things')).toMatchObject({ status: 200, body: { limit: 10 } });
    expect(await send('GET', '/things?limit=3')).toMatchObject({ status: 200, body: { limit: 3 } });
    expect(await send('GET', '/things?limit=0')).toEqual(
      invalid({ field: 'limit', message: 'must be at least 1' }),
    );
    expect(await send('GET', '/things?limit=1&sort=up')).toEqual(
      invalid({ field: '(body)', message: 'unknown field(s) "sort"; remove them' }),
    );
  });

  it("applies the rules of the request's caller to its body and path", async () => {
    expect(await send('POST', '/things/owned/_own', { owner: '_plat' }, 'platform')).toMatchObject({
      status: 200,
      body: { thingId: '_own', owner: '_plat' },
    });
    expect(await send('POST', '/things/owned/_own', { owner: 'abc' }, 'tenant')).toEqual(
      invalid({ field: 'thingId', message: 'must be 1 to 8 lower-case letters' }),
    );
    expect(await send('POST', '/things/owned/own', { owner: '_plat' }, 'tenant')).toEqual(
      invalid({ field: 'owner', message: 'must be 1 to 8 lower-case letters' }),
    );
    expect(calls).toEqual([{ thingId: '_own', body: { owner: '_plat' } }]);
  });

  it('fails (500, not 400) when a route names no rules for the caller: that is a programming error', async () => {
    const reply = await send('POST', '/things/owned/own', { owner: 'abc' }, 'stranger');
    expect(reply).toMatchObject({ status: 500, body: { type: problemType('internal-error') } });
    expect(calls).toEqual([]);
  });
});

describe('ZodValidationPipe on its own', () => {
  it('names the field of a single query parameter by the parameter', () => {
    const pipe = new ZodValidationPipe(slug);
    expect(() => pipe.transform('UP', { type: 'query', data: 'sort' })).toThrow(
      expect.objectContaining({
        problem: expect.objectContaining({
          errors: [{ field: 'sort', message: 'must be 1 to 8 lower-case letters' }],
        }),
      }),
    );
    expect(pipe.transform('up', { type: 'query', data: 'sort' })).toBe('up');
  });
});
