import { BearerCredentials } from '../src/bearer-token';

describe('BearerCredentials', () => {
  const credentials = new BearerCredentials({
    api: ['api-current', 'api-next'],
    settlement: ['settlement-current', undefined],
  });

  it('names the caller whose current or next token is presented', () => {
    expect(credentials.identify('Bearer api-current')).toBe('api');
    expect(credentials.identify('Bearer api-next')).toBe('api');
    expect(credentials.identify('bearer settlement-current')).toBe('settlement');
  });

  it('refuses a missing header, another scheme, an unknown token and a prefix of a known one', () => {
    for (const header of [undefined, '', 'Basic api-current', 'Bearer', 'Bearer api-curren', 'Bearer x']) {
      expect(credentials.identify(header)).toBeNull();
    }
  });
});
