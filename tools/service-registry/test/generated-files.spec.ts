import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { generatedFiles, loadRegistry, parseRegistry, REPO_ROOT, staleGeneratedFiles } from '../src';
import { renderCompose } from '../src/generate/compose';
import { renderDatabasesSql } from '../src/generate/databases-sql';
import { renderGeneratedFiles } from '../src/generate/files';

interface ComposeService {
  build?: { args: { APP: string } };
  image?: string;
  networks?: Record<string, { aliases?: string[] }>;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  stop_grace_period?: string;
}

/** The chart's values.yaml, parsed. */
const chartValues = () =>
  parse(readFileSync(join(REPO_ROOT, 'deploy/helm/meridian/values.yaml'), 'utf8')) as {
    services: Record<string, { calls: string[]; replicas?: number }>;
  };

/** The chart's registry with a fourth service that calls the ledger and is called by the api. */
function withNotifications() {
  const values = chartValues();
  values.services.api!.calls.push('notifications');
  values.services.notifications = {
    kind: 'Deployment',
    port: 3004,
    managementPort: 9004,
    database: true,
    redis: 'none',
    calls: ['ledger'],
  } as never;
  return parseRegistry(values);
}

async function render(registry = withNotifications()) {
  const files = Object.fromEntries(
    (await renderGeneratedFiles(registry)).map(({ path, content }) => [path, content]),
  );
  return {
    compose: parse(files['docker/compose.yaml']!, { merge: true }) as {
      services: Record<string, ComposeService>;
    },
    prometheus: parse(files['docker/observability/prometheus.yml']!) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    },
    sql: files['docker/postgres/databases.sql']!,
    callers: (app: string) => files[`apps/${app}/src/callers.ts`]!,
  };
}

describe('files generated from the registry', () => {
  it('are current: each committed one is what `npm run generate` writes now', async () => {
    expect(await staleGeneratedFiles(loadRegistry())).toEqual([]);
  });

  it('name a stale or missing file and the command that rewrites it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'meridian-generated-'));
    try {
      cpSync(join(REPO_ROOT, 'docker'), join(root, 'docker'), { recursive: true });
      cpSync(join(REPO_ROOT, '.prettierrc.json'), join(root, '.prettierrc.json'));
      for (const { name } of loadRegistry().services) {
        mkdirSync(join(root, 'apps', name, 'src'), { recursive: true });
        cpSync(
          join(REPO_ROOT, 'apps', name, 'src', 'callers.ts'),
          join(root, 'apps', name, 'src', 'callers.ts'),
        );
      }
      writeFileSync(join(root, 'docker/compose.yaml'), 'name: meridian\n');
      rmSync(join(root, 'docker/postgres/databases.sql'));
      expect(await staleGeneratedFiles(loadRegistry(), root)).toEqual([
        'docker/compose.yaml is not current: run `npm run generate`',
        'docker/postgres/databases.sql is missing: run `npm run generate`',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('say at the top that they are written from the registry, and from which template', async () => {
    const registry = loadRegistry();
    for (const { path, content } of await renderGeneratedFiles(registry)) {
      const file = generatedFiles(registry).find((candidate) => candidate.path === path)!;
      const comment = path.endsWith('.sql') ? '--' : path.endsWith('.ts') ? '//' : '#';
      expect(
        content.startsWith(`${comment} Written by \`npm run generate\` from the services registry`),
      ).toBe(true);
      if (file.template) expect(content.split('\n').slice(0, 3).join(' ')).toContain(file.template);
    }
  });

  it('give a new service its migration, service, database and scrape job with nothing else edited', async () => {
    const { compose, prometheus, sql } = await render();
    expect(compose.services['notifications-migrate']).toMatchObject({
      build: { args: { APP: 'notifications' } },
      command: ['dist/migrate.js'],
      environment: { DATABASE_URL: 'postgresql://meridian:meridian@postgres:5432/notifications' },
    });
    const notifications = compose.services.notifications!;
    expect(notifications.environment).toMatchObject({
      PORT: '3004',
      MANAGEMENT_PORT: '9004',
      LEDGER_URL: 'http://ledger:3001',
      INBOUND_API_TOKEN: compose.services.api!.environment!.NOTIFICATIONS_TOKEN,
    });
    expect(notifications.environment).not.toHaveProperty('REDIS_URL');
    for (const ledger of ['ledger-0', 'ledger-1', 'ledger-2'])
      expect(notifications.environment!.LEDGER_TOKEN).toBe(
        compose.services[ledger]!.environment!.INBOUND_NOTIFICATIONS_TOKEN,
      );
    expect(notifications.ports).toEqual(['127.0.0.1:3004:3004', '127.0.0.1:9004:9004']);
    expect(compose.services.api!.depends_on?.notifications).toEqual({ condition: 'service_healthy' });
    expect(compose.services.api!.environment!.NOTIFICATIONS_URL).toBe('http://notifications:3004');
    expect(prometheus.scrape_configs.find((job) => job.job_name === 'notifications')?.static_configs).toEqual(
      [{ targets: ['notifications:9004'], labels: { service: 'notifications' } }],
    );
    expect(sql).toContain('CREATE DATABASE notifications;\n');
  });

  it("tell each app who calls it: the new service's callee accepts it, and the new service its own caller", async () => {
    const { callers } = await render();
    const list = (source: string) => /export const CALLERS = \[(.*)\] as const;/.exec(source)?.[1];
    expect(list(callers('ledger'))).toBe("'api', 'settlement', 'notifications'");
    expect(list(callers('notifications'))).toBe("'api'");
    expect(list(callers('api'))).toBe('');
  });

  it('lists services in start order, so callees come first in compose', async () => {
    const { compose } = await render();
    const apps = Object.keys(compose.services).filter(
      (name) => compose.services[name]!.build && !name.endsWith('-migrate'),
    );
    expect(apps).toEqual(['ledger-0', 'ledger-1', 'ledger-2', 'settlement', 'notifications', 'api']);
  });

  it.each([3, 2])(
    'run a StatefulSet of %i replicas as one compose service per ordinal, each with its identity, all at the name its callers use',
    async (replicas) => {
      const values = chartValues();
      values.services.ledger!.replicas = replicas;
      const { compose, prometheus } = await render(parseRegistry(values));
      const names = Array.from({ length: replicas }, (_, n) => `ledger-${n}`);
      const ledgers = Object.keys(compose.services).filter((name) => name.startsWith('ledger'));
      expect(ledgers).toEqual(['ledger-migrate', ...names]);
      names.forEach((name, ordinal) => {
        const ledger = compose.services[name]!;
        expect(ledger.build?.args.APP).toBe('ledger');
        expect(ledger.image).toBe(compose.services['ledger-migrate']!.image);
        expect(ledger.environment).toMatchObject({
          REPLICA_ORDINAL: String(ordinal),
          REPLICA_COUNT: String(replicas),
          PORT: '3001',
          LEDGER_PARTITIONS: '64',
        });
        // What LEDGER_URL names: every replica, as the ClusterIP Service is.
        expect(ledger.networks).toEqual({ default: { aliases: ['ledger'] } });
        // Migrated once, before any replica starts.
        expect(ledger.depends_on?.['ledger-migrate']).toEqual({
          condition: 'service_completed_successfully',
        });
        // The host's ports once: the first replica's.
        expect(ledger.ports).toEqual(
          ordinal === 0 ? ['127.0.0.1:3001:3001', '127.0.0.1:9001:9001'] : undefined,
        );
      });
      expect(compose.services).not.toHaveProperty('ledger');
      const urls = names.map((name) => `http://${name}:3001`).join(',');
      for (const caller of ['api', 'settlement']) {
        const { environment, depends_on: dependsOn } = compose.services[caller]!;
        expect(environment).toMatchObject({
          LEDGER_URL: 'http://ledger:3001',
          LEDGER_REPLICA_URLS: urls,
          LEDGER_PARTITIONS: '64',
        });
        for (const name of names) expect(dependsOn?.[name]).toEqual({ condition: 'service_healthy' });
        expect(dependsOn).not.toHaveProperty('ledger');
      }
      // A Deployment callee has no replicas' URLs.
      expect(compose.services.api!.environment).not.toHaveProperty('SETTLEMENT_REPLICA_URLS');
      // Prometheus scrapes each replica by its own name: each one's metrics are its own.
      expect(prometheus.scrape_configs.find((job) => job.job_name === 'ledger')?.static_configs).toEqual([
        { targets: names.map((name) => `${name}:9001`), labels: { service: 'ledger' } },
      ]);
    },
  );

  it("merges the template's entry of a registry service over the generated one, over every replica's for a StatefulSet", async () => {
    const template = readFileSync(join(REPO_ROOT, 'docker/compose.template.yaml'), 'utf8').replace(
      /^volumes:/m,
      '  ledger:\n    stop_grace_period: 45s\n\nvolumes:',
    );
    const { services } = parse(renderCompose(loadRegistry(), template, '# notice'), { merge: true }) as {
      services: Record<string, ComposeService>;
    };
    expect(['ledger-0', 'ledger-1', 'ledger-2'].map((name) => services[name]!.stop_grace_period)).toEqual([
      '45s',
      '45s',
      '45s',
    ]);
    expect(services).not.toHaveProperty('ledger');
    const { compose } = await render(loadRegistry());
    const settlement = compose.services.settlement!;
    expect(settlement.stop_grace_period).toBe('60s');
    // Added to, not replacing, the generated environment and the x-app-env defaults.
    expect(settlement.environment).toMatchObject({
      SHUTDOWN_TIMEOUT_MS: '55000',
      PORT: '3002',
      LOG_LEVEL: 'info',
    });
  });

  it('quotes a database name that is no plain SQL identifier', () => {
    const registry = parseRegistry({
      services: { 'fx-rates': { kind: 'Deployment', port: 1, managementPort: 2, database: true, calls: [] } },
    });
    expect(renderDatabasesSql(registry, '# notice')).toContain('CREATE DATABASE "fx-rates";\n');
  });

  it("refuses a template entry that is neither a whole service nor a registry service's", async () => {
    const withoutSettlement = parseRegistry({
      services: { ledger: { kind: 'StatefulSet', port: 3001, managementPort: 9001, calls: [] } },
    });
    await expect(render(withoutSettlement)).rejects.toThrow(
      'compose template: services.settlement has no image and is no service of the registry',
    );
  });
});
