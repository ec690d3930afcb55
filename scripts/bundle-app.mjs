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
import { parse } from 'acorn';
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
// esbuild escapes those in strings and identifiers but copies comments, regular
// expressions and tagged templates' raw text as they are, so a few typographic
// quotes in dependencies' comments cost every process 11 MB of heap
// (docs/adr/0009-containers-and-deployment.md). Inside comments they become
// '?' (a line or paragraph separator a newline, which ends a line as it did);
// anywhere else the build stops, since rewriting code would change what it does.
function asciiOnly(text, path) {
  if (!/[^\x00-\x7f]/.test(text)) return text;
  const comments = [];
  parse(text, {
    ecmaVersion: 'latest',
    sourceType: 'script',
    allowHashBang: true,
    onComment: (_block, _text, start, end) => comments.push([start, end]),
  });
  let out = '';
  let last = 0;
  for (const [start, end] of comments) {
    out += text.slice(last, start);
    out += text
      .slice(start, end)
      .replace(/[\u2028\u2029]/g, '\n')
      .replace(/[^\x00-\x7f]/g, '?');
    last = end;
  }
  out += text.slice(last);
  const outside = out.search(/[^\x00-\x7f]/);
  if (outside !== -1) {
    throw new Error(
      `${path}: a character beyond ASCII outside a comment (a regular expression or a tagged template?): ` +
        JSON.stringify(out.slice(Math.max(0, outside - 60), outside + 20)),
    );
  }
  return out;
}

for (const file of result.outputFiles) {
  writeFileSync(file.path, file.path.endsWith('.js') ? asciiOnly(file.text, file.path) : file.text);
}
