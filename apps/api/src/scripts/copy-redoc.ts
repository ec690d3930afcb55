// Run by `npm run build` after tsc: copies Redoc's standalone bundle (and the
// licences of what it bundles) from the `redoc` devDependency into
// dist/reference/, where the docs controller serves it from.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REDOC_BUNDLE, REFERENCE_DIR } from '../http/reference-page';

/**
 * The one address outside the api that the bundle loads by itself: Redocly's
 * logo beside "API docs by Redocly" in the menu. The copy points it at an
 * empty data: image instead, which Redoc hides when it fails to decode, so
 * the page loads nothing from elsewhere (and its CSP reports nothing). The
 * link and its text stay. A Redoc version without this address fails the
 * build, so an upgrade is checked again rather than shipped unseen.
 */
const LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg';

const source = require.resolve(`redoc/bundles/${REDOC_BUNDLE}`);
const bundle = readFileSync(source, 'utf8');
const uses = bundle.split(LOGO).length - 1;
if (uses !== 1) throw new Error(`${source} names ${LOGO} ${uses} times, not once: check what it loads`);
mkdirSync(REFERENCE_DIR, { recursive: true });
writeFileSync(join(REFERENCE_DIR, REDOC_BUNDLE), bundle.replace(LOGO, 'data:,'));
copyFileSync(`${source}.LICENSE.txt`, join(REFERENCE_DIR, `${REDOC_BUNDLE}.LICENSE.txt`));
