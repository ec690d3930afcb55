const preset = require('../../jest.preset.cjs');

module.exports = {
  ...preset,
  // The generated Prisma client imports its modules as ".js" (ES module style);
  // under Jest, in-process tests that load the app module get the .ts sources.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};
