import { SeededRandom, seeded } from '@meridian/testing';
import { escapeLiteral } from 'pg';
import { quoted } from '../../src/infrastructure/persistence/pg-ledger-store';

/** Characters that matter to SQL string literals, and some that should not. */
const ALPHABET = [
  "'",
  '\\',
  '"',
  'E',
  'e',
  '$',
  ';',
  '-',
  '\n',
  '\r',
  '\t',
  ' ',
  'a',
  '0',
  'é',
  '\u2028',
  '𝔘',
  '\u0001',
];

describe(seeded('posting statements write string values as SQL literals'), () => {
  it('quotes every string exactly as pg escapeLiteral does, for 5,000 random strings', () => {
    const random = new SeededRandom();
    for (let n = 0; n < 5_000; n++) {
      let text = '';
      for (let length = random.int(0, 24); length > 0; length--) text += random.pick(ALPHABET);
      expect(quoted(text)).toBe(escapeLiteral(text));
    }
  });
});
