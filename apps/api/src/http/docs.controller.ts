import { Controller, Get, Header } from '@nestjs/common';
import { SERVICE_VERSION } from '../service-info';
import { openApiDocument } from './openapi/document';

/** The OpenAPI 3.1 document, generated from the code (and committed as apps/api/openapi.json). */
@Controller('docs')
export class DocsController {
  private readonly document = openApiDocument(SERVICE_VERSION);

  @Get()
  @Header('Cache-Control', 'public, max-age=300')
  get() {
    return this.document;
  }
}
