import { prettyFactory } from 'pino-pretty';

/** Terminal colours, one per service in the registry's order (magenta, cyan, yellow, ...). */
const COLOURS = [35, 36, 33, 32, 34, 31, 95, 96, 93, 92, 94, 91];

/**
 * Turns one service's JSON log lines into readable, colour-tagged lines for a
 * terminal. Services always log JSON; only this local runner prettifies.
 */
export function logFormatter(service: string, colour: boolean, position = 0): (line: string) => string {
  const pretty = prettyFactory({
    colorize: colour,
    messageKey: 'message',
    translateTime: 'HH:MM:ss.l',
    ignore: 'pid,hostname,service,version,trace_flags',
    singleLine: true,
  });
  const tag = colour
    ? `\u001b[${COLOURS[position % COLOURS.length]}m${service.padEnd(10)}\u001b[0m`
    : service.padEnd(10);
  return (line) => {
    if (!line.startsWith('{')) return `${tag} ${line}`;
    try {
      return `${tag} ${pretty(JSON.parse(line) as object).trimEnd()}`;
    } catch {
      return `${tag} ${line}`;
    }
  };
}
