import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import schema from '../../schema/summary.schema.json';

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
const validate = ajv.compile(schema);

/** The schema's complaints about a summary, one line each (none: it is a valid schemaVersion 1 summary). */
export function summarySchemaErrors(summary: unknown): string[] {
  return validate(summary)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}
