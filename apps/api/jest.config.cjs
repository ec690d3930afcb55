const preset = require('../../jest.preset.cjs');

module.exports = {
  ...preset,
  // The generated Prisma client imports its own files as `./x.js` (ES module style); under Jest they are
  // the TypeScript sources, so the suffix is dropped. Needed by the in-process tests, which load the client.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};
