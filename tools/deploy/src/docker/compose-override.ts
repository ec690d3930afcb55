/**
 * The override file `./meridian check-compose` lays over docker/compose.yaml,
 * so that the stack it brings up never meets what already runs on the machine.
 */

/** What check-compose reads of `docker compose config --format json`. */
export interface ComposeConfig {
  services: Record<
    string,
    { image?: string; ports?: unknown[]; environment?: Record<string, string>; healthcheck?: unknown }
  >;
  networks: Record<string, { name: string }>;
}

/**
 * The override's YAML: no service publishes a port (the machine's own
 * PostgreSQL, Redis or stack may hold them); the images given replace a
 * service's (the stand-in datastores); and on an engine older than API 1.44
 * (Docker 25), which refuses healthcheck.start_interval, that setting is
 * dropped: health is then first asked after one interval instead of every
 * second of the start period.
 */
export function composeOverride(
  config: ComposeConfig,
  engineApiVersion: string,
  images: Record<string, string | undefined>,
): string {
  const [major = 0, minor = 0] = engineApiVersion.split('.').map(Number);
  const withoutStartInterval = major === 1 && minor < 44;
  const lines = ['services:'];
  for (const [service, definition] of Object.entries(config.services)) {
    const image = images[service];
    const healthcheck = definition.healthcheck as { start_interval?: string } | undefined;
    const resetStartInterval = withoutStartInterval && healthcheck?.start_interval !== undefined;
    if (!definition.ports && !image && !resetStartInterval) continue;
    lines.push(`  ${service}:`);
    if (image) lines.push(`    image: ${image}`);
    if (definition.ports) lines.push('    ports: !reset []');
    if (resetStartInterval) lines.push('    healthcheck:', '      start_interval: !reset null');
  }
  return `${lines.join('\n')}\n`;
}
