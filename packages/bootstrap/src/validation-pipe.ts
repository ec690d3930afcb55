import {
  type ArgumentMetadata,
  Body,
  createParamDecorator,
  type ExecutionContext,
  Param,
  type PipeTransform,
  Query,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { parseOrThrow } from './validation';

export interface ZodValidationOptions {
  /** What an absent value is validated as: `{}` for a body that may be left out. */
  absentAs?: unknown;
}

/**
 * Validates a handler's argument against a zod schema and hands the handler
 * the parsed value; anything else is a 400 problem naming every bad field (a
 * path parameter or a single query parameter by its own name, a body's field
 * by its path). A missing query string is an empty one.
 *
 *   create(@ValidBody(createAccountRequest) input: CreateAccountRequest)
 */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    private readonly options: ZodValidationOptions = {},
  ) {}

  transform(value: unknown, metadata: ArgumentMetadata): z.output<S> {
    const named = metadata.type === 'param' || metadata.type === 'query' ? metadata.data : undefined;
    let input = value;
    if (input === undefined && 'absentAs' in this.options) input = this.options.absentAs;
    else if (input === undefined && metadata.type === 'query' && named === undefined) input = {};
    return parseOrThrow(this.schema, input, named ?? '');
  }
}

/** The request body, validated: `@ValidBody(schema)` (`{ absentAs: {} }` when it may be left out). */
export const ValidBody = (schema: z.ZodType, options?: ZodValidationOptions): ParameterDecorator =>
  Body(new ZodValidationPipe(schema, options));

/** A path parameter, validated; a problem names it by `name`. */
export const ValidParam = (name: string, schema: z.ZodType): ParameterDecorator =>
  Param(name, new ZodValidationPipe(schema));

/** The query string as an object, validated. */
export const ValidQuery = (schema: z.ZodType): ParameterDecorator => Query(new ZodValidationPipe(schema));

/** One schema per caller that a token guard identifies (see `tokenGuard`): what each caller may send. */
export type CallerSchemas = Readonly<Record<string, z.ZodType>>;

interface CallerInput {
  caller: string | undefined;
  value: unknown;
}

type Source = { body: true } | { param: string };

/** The caller a token guard identified, with the part of the request to validate by its rules. */
const callerInput = createParamDecorator((source: Source, context: ExecutionContext): CallerInput => {
  const request = context
    .switchToHttp()
    .getRequest<FastifyRequest<{ Params: Record<string, string> }> & { caller?: string }>();
  return {
    caller: request.caller,
    value: 'body' in source ? request.body : request.params[source.param],
  };
});

/** Validates against the schema of the request's caller. */
export class CallerValidationPipe implements PipeTransform<CallerInput, unknown> {
  constructor(
    private readonly schemas: CallerSchemas,
    private readonly field = '',
  ) {}

  transform({ caller, value }: CallerInput): unknown {
    const schema = caller === undefined ? undefined : this.schemas[caller];
    // A route without a token guard, or a caller without rules: a programming error, not bad input.
    if (schema === undefined) throw new Error(`no request schema for caller "${caller}"`);
    return parseOrThrow(schema, value, this.field);
  }
}

/** The request body, validated by the rules of the caller behind a token guard. */
export const CallerBody = (schemas: CallerSchemas): ParameterDecorator =>
  callerInput({ body: true }, new CallerValidationPipe(schemas));

/** A path parameter, validated by the rules of the caller behind a token guard; a problem names it by `name`. */
export const CallerParam = (name: string, schemas: CallerSchemas): ParameterDecorator =>
  callerInput({ param: name }, new CallerValidationPipe(schemas, name));
