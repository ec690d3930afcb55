import { databaseNames } from '../derived';
import { type Registry } from '../registry';

/** A name as a PostgreSQL identifier: quoted when it is not a plain lower-case word (e.g. has a -). */
const identifier = (name: string) => (/^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name}"`);

/** docker/postgres/databases.sql: a database per service that has one, named after it. */
export function renderDatabasesSql(registry: Registry, notice: string): string {
  return [
    ...notice.split('\n').map((line) => line.replace(/^#/, '--')),
    '',
    '-- Each service owns its database (docker/compose.yaml runs this once, on an empty volume).',
    ...databaseNames(registry).map((name) => `CREATE DATABASE ${identifier(name)};`),
    '',
  ].join('\n');
}
