// `./meridian new service ...` and `./meridian rename ...` run this (node tools/generator/dist/cli.js).
import { parseArgs } from 'node:util';
import { newService } from './new-service';
import { type Category, currentNames, type ForkNames, leftovers, rename } from './rename';
import { Repository } from './repository';
import { UsageError } from './usage-error';

const USAGE = `usage:
  new service <name> [--calls <service>,...] [--port <port>]
      creates apps/<name>, wired like every other app, and its entry in the registry of services
  rename [--scope @acme] [--chart acme-pay] [--image-prefix ghcr.io/acme/pay]
         [--problem-base https://problems.acme.example/] [--repository https://github.com/acme/pay]
      turns the template's names into a fork's own, across the repository`;

async function newServiceCommand(args: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { calls: { type: 'string', default: '' }, port: { type: 'string' } },
  });
  const [kind, name, ...rest] = positionals;
  if (kind !== 'service' || !name || rest.length > 0)
    throw new UsageError('new service <name> takes one name');
  const repo = Repository.find();
  const calls = values.calls
    .split(',')
    .map((callee) => callee.trim())
    .filter(Boolean);
  const created = await newService(repo, {
    name,
    calls,
    port: values.port === undefined ? undefined : Number(values.port),
  });
  const out = process.stdout;
  out.write(`\nCreated apps/${name} (port ${created.port}, management port ${created.managementPort}):\n`);
  for (const file of created.files) out.write(`  ${file}\n`);
  out.write(`  package-lock.json (the new workspace)\n`);
  out.write(
    `\nIts registry entry is services.${name} in ${repo.relative(repo.registryFile)}; the chart, compose and the\n` +
      `local stack read it from there. Next: npm install, npm run generate (the files written from the\n` +
      `registry, and each app's callers), npm run build, npm run docs:env -- ${name} (its\n` +
      `README's environment table), and replace the example\n` +
      `(apps/${name}/README.md says where each part goes).\n`,
  );
}

function renameCommand(args: string[]): void {
  const { values } = parseArgs({
    args,
    options: {
      scope: { type: 'string' },
      chart: { type: 'string' },
      'image-prefix': { type: 'string' },
      'problem-base': { type: 'string' },
      repository: { type: 'string' },
    },
  });
  const next: Partial<ForkNames> = {
    ...(values.scope === undefined ? {} : { scope: values.scope }),
    ...(values.chart === undefined ? {} : { chart: values.chart }),
    ...(values['image-prefix'] === undefined ? {} : { imagePrefix: values['image-prefix'] }),
    ...(values['problem-base'] === undefined ? {} : { problemBase: values['problem-base'] }),
    ...(values.repository === undefined ? {} : { repository: values.repository }),
  };
  const categories = Object.keys(next) as Category[];
  if (categories.length === 0) throw new UsageError('rename needs at least one new name');
  let repo = Repository.find();
  const old = currentNames(repo);
  const result = rename(repo, next);
  const out = process.stdout;
  for (const category of categories) {
    out.write(
      `${category}: ${old[category]} -> ${next[category]} (${result.changed[category].length} files)\n`,
    );
  }
  if (result.movedChart) out.write(`moved ${result.movedChart.from} to ${result.movedChart.to}\n`);
  repo = Repository.find(repo.root);
  const left = leftovers(repo, old, categories);
  if (left.length > 0) {
    process.stderr.write(`old names are still written here:\n${left.map((line) => `  ${line}\n`).join('')}`);
    process.exitCode = 1;
    return;
  }
  if (next.imagePrefix !== undefined && !next.imagePrefix.startsWith('ghcr.io/'))
    out.write(
      `.github/workflows/images.yml now pushes to ${next.imagePrefix.split('/')[0]}: give its login step that registry's credentials.\n`,
    );
  out.write('Next: npm install (the lockfile names the renamed workspaces), then npm run build.\n');
}

async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  try {
    if (command === 'new') await newServiceCommand(args);
    else if (command === 'rename') renameCommand(args);
    else throw new UsageError(command ? `unknown command ${command}` : 'a command is needed');
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
      process.exitCode = 64;
    } else {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    }
  }
}

void main(process.argv.slice(2));
