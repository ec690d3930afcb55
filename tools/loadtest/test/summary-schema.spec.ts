import { sampleSummary } from './support/sample-summary';
import { summarySchemaErrors } from './support/summary-schema';

/** schema/summary.schema.json is the published form of src/report/summary.ts; pipelines validate against it. */
describe('the summary schema (schema/summary.schema.json)', () => {
  it('accepts a full summary and an empty run', () => {
    expect(summarySchemaErrors(sampleSummary())).toEqual([]);
    expect(summarySchemaErrors(sampleSummary({ empty: true }))).toEqual([]);
  });

  it('rejects a summary missing a field, with one the schema does not know, or of another schemaVersion', () => {
    const { audit: _audit, ...withoutAudit } = sampleSummary();
    expect(summarySchemaErrors(withoutAudit)).toEqual(["/ must have required property 'audit'"]);
    expect(summarySchemaErrors({ ...sampleSummary(), surprise: 1 })).toEqual([
      '/ must NOT have additional properties',
    ]);
    expect(summarySchemaErrors({ ...sampleSummary(), schemaVersion: 2 })).toEqual([
      '/schemaVersion must be equal to constant',
    ]);
  });
});
