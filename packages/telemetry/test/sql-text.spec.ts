import { sqlTextWithoutLiterals } from '../src/sql-text';

describe('SQL text recorded on spans', () => {
  it('replaces each string literal with ? and keeps the rest of the statement', () => {
    expect(
      sqlTextWithoutLiterals(
        `SELECT * FROM jsonb_to_recordset('[{"t":"acme","i":"a-1"}]'::jsonb) AS k(t text) WHERE x = 'o''brien'`,
      ),
    ).toBe(`SELECT * FROM jsonb_to_recordset(?::jsonb) AS k(t text) WHERE x = ?`);
  });

  it('treats a backslash before a quote as an escape only inside E strings', () => {
    expect(sqlTextWithoutLiterals(String.raw`INSERT INTO t VALUES ( E'it\'s \\ ''x''', 'plain\', 3)`)).toBe(
      'INSERT INTO t VALUES ( ?, ?, 3)',
    );
  });

  it('leaves parameterized text without literals as it is', () => {
    const text = 'SELECT id FROM accounts WHERE tenant_id = $1 AND id = $2';
    expect(sqlTextWithoutLiterals(text)).toBe(text);
  });
});
