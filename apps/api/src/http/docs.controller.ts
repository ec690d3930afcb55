import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Header, NotFoundException, Req } from '@nestjs/common';
import { InjectConfig } from '@meridian/config/nest';
import type { FastifyRequest } from 'fastify';
import type { ApiConfig } from '../config';
import { SERVICE_VERSION } from '../service-info';
import { openApiDocument } from './openapi/document';
import { REDOC_BUNDLE, REFERENCE_CSP, REFERENCE_DIR, REFERENCE_PAGE } from './reference-page';

const FIVE_MINUTES = 'public, max-age=300';

/**
 * The API reference: `/docs` renders the OpenAPI 3.1 document (generated from
 * the code, committed as apps/api/openapi.json) with Redoc, and
 * `/docs/openapi.json` serves the document itself. Everything the page loads
 * comes from these routes. With DOCS_ENABLED=false every route answers the
 * 404 of an address that does not exist.
 */
@Controller('docs')
export class DocsController {
  private readonly document: object;
  private readonly bundle: Buffer;

  constructor(@InjectConfig() private readonly config: ApiConfig) {
    this.document = openApiDocument(SERVICE_VERSION);
    this.bundle = config.DOCS_ENABLED ? readBundle() : Buffer.alloc(0);
  }

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', REFERENCE_CSP)
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Referrer-Policy', 'no-referrer')
  @Header('Cache-Control', FIVE_MINUTES)
  page(@Req() request: FastifyRequest): string {
    this.ensureEnabled(request);
    return REFERENCE_PAGE;
  }

  @Get('openapi.json')
  @Header('Cache-Control', FIVE_MINUTES)
  openApi(@Req() request: FastifyRequest): object {
    this.ensureEnabled(request);
    return this.document;
  }

  @Get(REDOC_BUNDLE)
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Cache-Control', FIVE_MINUTES)
  redoc(@Req() request: FastifyRequest): Buffer {
    this.ensureEnabled(request);
    return this.bundle;
  }

  /** Switched off, the routes answer exactly as Nest answers an unknown route. */
  private ensureEnabled(request: FastifyRequest): void {
    if (!this.config.DOCS_ENABLED) throw new NotFoundException(`Cannot ${request.method} ${request.raw.url}`);
  }
}

/** A build without the bundle is broken: say so at start, not on the first visit. */
function readBundle(): Buffer {
  const path = join(REFERENCE_DIR, REDOC_BUNDLE);
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`the API reference needs ${path}, which \`npm run build\` copies from redoc`, {
      cause: error,
    });
  }
}
