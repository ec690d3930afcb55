/**
 * node dist/cli.js generate   writes the files generated from the registry (what `npm run generate` runs)
 * node dist/cli.js names      prints the registry's service names as a JSON list (the image workflow's matrix)
 */
import { writeGeneratedFiles } from './generate/files';
import { loadRegistry } from './registry';

async function main(command: string | undefined): Promise<void> {
  const registry = loadRegistry();
  switch (command) {
    case 'generate': {
      const written = await writeGeneratedFiles(registry);
      console.log(written.length > 0 ? `wrote ${written.join(', ')}` : 'generated files are current');
      return;
    }
    case 'names':
      console.log(JSON.stringify(registry.services.map((service) => service.name)));
      return;
    default:
      console.error('usage: service-registry generate | names');
      process.exitCode = 64;
  }
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
