import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { type ComposeConfig, composeOverride } from '../src/docker/compose-override';
import { COMPOSE_FILE } from '../src/toolchain';

/** docker/compose.yaml's services as compose resolves them (anchors merged). */
const composeConfig = () =>
  ({
    ...(parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as object),
    networks: {},
  }) as ComposeConfig;

/** The override read back, each `!reset <value>` kept as that text. */
const read = (override: string) =>
  parse(override.replace(/!reset (\[\]|null)/g, "'!reset $1'")) as {
    services: Record<string, { image?: string; ports?: string; healthcheck?: Record<string, string> }>;
  };

describe("check-compose's override of docker/compose.yaml", () => {
  it('unpublishes the port of every service that publishes one, so the stack never meets the machine', () => {
    const config = composeConfig();
    const { services } = read(composeOverride(config, '1.47', {}));
    const publishing = Object.keys(config.services).filter((name) => config.services[name]!.ports);
    expect(publishing).toEqual(
      expect.arrayContaining(['postgres', 'redis', 'api', 'ledger-0', 'settlement']),
    );
    for (const name of publishing) expect(services[name]?.ports).toBe('!reset []');
  });

  it('replaces the images it is given and leaves the others as compose pins them', () => {
    const { services } = read(
      composeOverride(composeConfig(), '1.47', { postgres: 'local/postgres:15', redis: undefined }),
    );
    expect(services.postgres?.image).toBe('local/postgres:15');
    expect(services.redis?.image).toBeUndefined();
    expect(services.api?.image).toBeUndefined();
  });

  it('drops healthcheck.start_interval only on an engine older than API 1.44, which refuses it', () => {
    const config = composeConfig();
    const withInterval = Object.keys(config.services).filter(
      (name) =>
        (config.services[name]!.healthcheck as { start_interval?: string } | undefined)?.start_interval,
    );
    expect(withInterval.length).toBeGreaterThan(0);
    const old = read(composeOverride(config, '1.41', {})).services;
    for (const name of withInterval)
      expect(old[name]?.healthcheck).toEqual({ start_interval: '!reset null' });
    const current = read(composeOverride(config, '1.44', {})).services;
    for (const name of withInterval) expect(current[name]?.healthcheck).toBeUndefined();
  });
});
