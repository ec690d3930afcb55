import { prettyFactory } from 'pino-pretty';

const COLORS = { api: 36, ledger: 35, settlement: 33 } as Record<string, number>;

/**
 * Turns one service's JSON log lines into readable, colour-tagged lines for a
 * terminal. Services always log JSON; only this local runner prettifies.
 */
export function logFormatter(service: string, colour: boolean): (line: string) => string {
  const pretty = prettyFactory({
    colorize: colour,
    messageKey: 'message',
    translateTime: 'HH:MM:ss.l',
    ignore: 'pid,hostname,service,version,trace_flags',
    singleLine: true,
  });
  const tag = colour ? `\u001b[${COLORS[service] ?? 37}m${service.padEnd(10)}\u001b[0m` : service.padEnd(10);
  return (line) => {
    if (!line.startsWith('{')) return `${tag} ${line}`;
    try {
      return `${tag} ${pretty(JSON.parse(line) as object).trimEnd()}`;
    } catch {
      return `${tag} ${line}`;
    }
  };
}
