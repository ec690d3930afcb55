import { variablesTable } from './document';
import { serviceConfigSchemas, type ServiceName } from './services';

const START = (service: string) => `<!-- env-table:${service}:start -->`;
const END = (service: string) => `<!-- env-table:${service}:end -->`;

/**
 * Rewrites the environment tables in a README (between `env-table` markers)
 * from the config schemas, so the documentation cannot drift from the code.
 * Returns the text unchanged when it is already current.
 */
export function withCurrentEnvTables(readme: string): string {
  let text = readme;
  for (const service of Object.keys(serviceConfigSchemas) as ServiceName[]) {
    const start = text.indexOf(START(service));
    const end = text.indexOf(END(service));
    if (start === -1 || end === -1 || end < start)
      throw new Error(`README lacks the ${service} env-table markers`);
    const table = variablesTable(serviceConfigSchemas[service]);
    text = `${text.slice(0, start + START(service).length)}\n${table}\n${text.slice(end)}`;
  }
  return text;
}
