import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { withCurrentEnvTables } from '../src';

describe('README environment tables', () => {
  it('list exactly the variables each service schema reads (run `npm run docs:env` to update)', () => {
    const readme = readFileSync(resolve(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    expect(readme).toBe(withCurrentEnvTables(readme));
  });
});
