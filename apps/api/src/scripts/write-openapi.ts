// `npm run openapi -w @meridian/api`: writes apps/api/openapi.json from the code.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument } from '../http/openapi/document';
import { SERVICE_VERSION } from '../service-info';

writeFileSync(
  join(__dirname, '..', '..', 'openapi.json'),
  `${JSON.stringify(openApiDocument(SERVICE_VERSION), null, 2)}\n`,
);
