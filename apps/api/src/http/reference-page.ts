import { join } from 'node:path';
import { APP_DIR } from '../service-info';

/**
 * Redoc's standalone bundle (the `redoc` package, a devDependency), copied
 * into dist/reference/ by the build (src/scripts/copy-redoc.ts). Only that
 * file (and its licence notes) ships in the image: as a dependency, `redoc`
 * would bring about a hundred packages the server never runs into production.
 */
export const REFERENCE_DIR = join(APP_DIR, 'dist', 'reference');
export const REDOC_BUNDLE = 'redoc.standalone.js';

/**
 * The reference page. The bundle renders every `<redoc>` element by itself,
 * so the page needs no script of its own, and it loads the document from the
 * relative URL `docs/openapi.json` (`/docs` has no trailing slash), so it
 * works behind any host or path prefix. The empty data: icon keeps browsers
 * from asking for a /favicon.ico the api does not have.
 */
export const REFERENCE_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <link rel="icon" href="data:,">
    <title>Meridian API reference</title>
  </head>
  <body>
    <redoc spec-url="docs/openapi.json" native-scrollbars hide-hostname expand-responses="200,201"></redoc>
    <script src="docs/${REDOC_BUNDLE}"></script>
  </body>
</html>
`;

/**
 * What the page may load, and from where: its script, and the document it
 * fetches, from the api itself; nothing from anywhere else, and no inline
 * script. Two allowances, each checked in Chromium by the reference test:
 * Redoc's styling (styled-components, which takes no nonce) writes <style>
 * elements, and its search index runs in a worker made from a blob: URL.
 * Images are data: only (the page's empty icon). No plugin, form or framing.
 */
export const REFERENCE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'unsafe-inline'",
  'img-src data:',
  "connect-src 'self'",
  'worker-src blob:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
