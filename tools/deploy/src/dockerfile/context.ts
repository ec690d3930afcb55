/** The build context `docker build` sends for docker/Dockerfile: the folder minus .dockerignore's matches. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ignore from 'ignore';

export function contextFiles(context: string): string[] {
  const ignoreFile = join(context, '.dockerignore');
  const rules = ignore().add(existsSync(ignoreFile) ? readFileSync(ignoreFile, 'utf8') : '');
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(context, dir), { withFileTypes: true })) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (rules.ignores(entry.isDirectory() ? `${path}/` : path)) continue;
      if (entry.isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk('');
  return files;
}
