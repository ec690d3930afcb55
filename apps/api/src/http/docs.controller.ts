import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, NotFoundException, Req, Res } from '@nestjs/common';
import { InjectConfig } from '@meridian/config/nest';
import type { FastifyReply, FastifyRequest } from 'fastify';
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
  page(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): string {
    this.serve(request, reply, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': REFERENCE_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
    return REFERENCE_PAGE;
  }

  @Get('openapi.json')
  openApi(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): object {
    this.serve(request, reply, {});
    return this.document;
  }

  @Get(REDOC_BUNDLE)
  redoc(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Buffer {
    this.serve(request, reply, {
      'content-type': 'text/javascript; charset=utf-8',
      'x-content-type-options': 'nosniff',
    });
    return this.bundle;
  }

  /**
   * Switched off, the routes answer exactly as Nest answers an unknown route:
   * the headers are set only once a route is known to be served (a header
   * decorator would also mark the 404, and let a CDN cache it).
   */
  private serve(request: FastifyRequest, reply: FastifyReply, headers: Record<string, string>): void {
    if (!this.config.DOCS_ENABLED) throw new NotFoundException(`Cannot ${request.method} ${request.raw.url}`);
    void reply.headers({ ...headers, 'cache-control': FIVE_MINUTES });
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
