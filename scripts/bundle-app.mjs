// Bundles an app's compiled entry point (dist/main.js, from tsc) into one file,
// dist/main.bundle.js, which the image, the local stack and the tests run.
// Run from the app's folder, after tsc: `node ../../scripts/bundle-app.mjs`.
//
// Why: loading one file instead of ~1,500 modules starts the ledger 23-28%
// sooner and holds 13% less memory (docs/adr/0009-containers-and-deployment.md,
// "One file per entry point"). tsc still compiles first, so Nest's decorator
// metadata is emitted as before; esbuild only joins the files.
//
// Kept outside the bundle, loaded from node_modules as before:
// - what OpenTelemetry instruments by patching `require` (fastify, pg,
//   ioredis): bundled, they would never pass through it and lose their spans;
// - optional packages Nest and Fastify's adapter load only when used, which
//   Meridian does not install;
// - Prisma's schema engine (WebAssembly), used by migrations only.
import { writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const EXTERNAL = [
  'fastify',
  'pg',
  'pg-native',
  'ioredis',
  '@nestjs/microservices',
  '@nestjs/microservices/*',
  '@nestjs/websockets',
  '@nestjs/websockets/*',
  '@nestjs/platform-express',
  '@fastify/multipart',
  '@fastify/static',
  '@fastify/view',
  'class-transformer',
  'class-validator',
  '@prisma/schema-engine-wasm',
];

const result = await build({
  entryPoints: ['dist/main.js'],
  outfile: 'dist/main.bundle.js',
  write: false,
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  external: EXTERNAL,
  // Not minified: stack traces and logs keep their names.
  sourcemap: 'linked',
  // ES modules bundled into CommonJS lose import.meta.url; the bundle's own URL stands in.
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
  // The default, stated because the next step relies on it: non-ASCII in code is escaped.
  charset: 'ascii',
});

// V8 keeps a script's source for as long as its functions live, and keeps it in
// UTF-16 (twice the bytes) when it holds a single character beyond Latin-1.
// esbuild escapes those in code but copies comments as they are, so a few
// typographic quotes in dependencies' comments cost every process 11 MB of heap
// (docs/adr/0009-containers-and-deployment.md). What is left outside ASCII is
// comment text, and becomes '?'.
for (const file of result.outputFiles) {
  const text = file.path.endsWith('.js') ? file.text.replace(/[^\x00-\x7f]/g, '?') : file.text;
  writeFileSync(file.path, text);
}
