import { choosePorts, readRegistry, withRegistryEntry } from '../src/registry';

const VALUES = `# The registry.
services:
  ledger:
    kind: StatefulSet
    port: 3001
    managementPort: 9001
    calls: []
  api:
    kind: Deployment
    port: 3000
    managementPort: 9000
    # Who it calls.
    calls: [ledger]

# Images.
image:
  tag: '0.1.0'
  requests: { cpu: 250m }
`;

const ENTRY = 'kind: Deployment\nport: 3002\nmanagementPort: 9002\ncalls: [ledger]\n';

describe('the registry in values.yaml', () => {
  it('reads each entry with its ports and calls', () => {
    expect(readRegistry(VALUES, 'values.yaml')).toEqual({
      ledger: { port: 3001, managementPort: 9001, calls: [] },
      api: { port: 3000, managementPort: 9000, calls: ['ledger'] },
    });
  });

  it('adds an entry at the end of services, leaving every other byte as it was', () => {
    expect(withRegistryEntry(VALUES, 'values.yaml', 'audit', ENTRY)).toBe(
      VALUES.replace(
        '    calls: [ledger]\n\n# Images.',
        '    calls: [ledger]\n  audit:\n    kind: Deployment\n    port: 3002\n    managementPort: 9002\n    calls: [ledger]\n\n# Images.',
      ),
    );
  });

  it('refuses an entry that exists', () => {
    expect(() => withRegistryEntry(VALUES, 'values.yaml', 'api', ENTRY)).toThrow('already has services.api');
  });

  it('chooses the next free port and management port, or checks the port asked for', () => {
    const registry = readRegistry(VALUES, 'values.yaml');
    expect(choosePorts(registry)).toEqual({ port: 3002, managementPort: 9002 });
    expect(choosePorts(registry, 4000)).toEqual({ port: 4000, managementPort: 9002 });
    expect(() => choosePorts(registry, 9001)).toThrow('port 9001 is already used');
  });
});
