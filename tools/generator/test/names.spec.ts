import { nameProblem, serviceNames } from '../src/names';

describe('service names', () => {
  it('derives the forms a name takes: folder, environment prefix, class, value and migration names', () => {
    expect(serviceNames('fraud-check')).toEqual({
      name: 'fraud-check',
      pascal: 'FraudCheck',
      camel: 'fraudCheck',
      upper: 'FRAUD_CHECK',
      snake: 'fraud_check',
    });
  });

  it.each(['notifications', 'fraud-check', 'kyc2'])('accepts %s', (name) => {
    expect(nameProblem(name, new Set(['ledger']))).toBeNull();
  });

  it.each([
    ['Notifications', 'lower-case'],
    ['fraud_check', 'lower-case'],
    ['-lead', 'lower-case'],
    ['trail-', 'lower-case'],
    ['double--hyphen', 'lower-case'],
    ['9lives', 'lower-case'],
    ['a'.repeat(31), 'longer than 30'],
    ['postgres', 'reserved'],
    ['ledger-migrate', 'reserved'],
    ['ledger', 'taken'],
  ])('refuses %s (%s)', (name, problem) => {
    expect(nameProblem(name, new Set(['ledger']))).toContain(problem);
  });
});
