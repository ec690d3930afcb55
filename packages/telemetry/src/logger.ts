import { trace } from '@opentelemetry/api';
import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

export interface LoggerSettings {
  service: string;
  version: string;
  level: string;
  /** File descriptor written to: 1 (stdout, the default) or 2 (stderr, for a command whose stdout is its output). */
  fd?: 1 | 2;
}

/**
 * Adds the active span's ids to every line, so a log line leads to its trace
 * and a trace to its log lines.
 */
function traceContext(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}`.slice(-2) };
}

export function loggerOptions(settings: LoggerSettings): LoggerOptions {
  return {
    level: settings.level,
    base: { service: settings.service, version: settings.version, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    messageKey: 'message',
    formatters: { level: (label) => ({ level: label }) },
    mixin: traceContext,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-service-token"]',
        'res.headers["set-cookie"]',
      ],
      censor: '[redacted]',
    },
  };
}

/** One JSON object per line on stdout (or stderr, when asked); nothing else, no files. */
export function createLogger(settings: LoggerSettings): Logger {
  return pino(loggerOptions(settings), pino.destination({ dest: settings.fd ?? 1, sync: true }));
}
