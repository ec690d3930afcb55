/*
 * Live progress while a run goes on. On a terminal: one line rewritten in
 * place. Anywhere else (CI logs, a file): a full line every few seconds of the
 * run, so a log stays short and readable. The interval is measured on the
 * run's own clock (snapshot.elapsedMs), not the wall clock, so it is the same
 * in a test as in a run.
 */

export interface ProgressSnapshot {
  elapsedMs: number;
  /** The planned length of the run (or of the current search step); null when open-ended. */
  totalMs: number | null;
  operations: number;
  ratePerSecond: number;
  targetRate: number | null;
  p50: number;
  p99: number;
  errors: number;
  inFlight: number;
  /** What the run is doing, e.g. `search 3/8` or `audit`. */
  phase?: string;
}

export interface ProgressReporter {
  update(snapshot: ProgressSnapshot): void;
  finish(): void;
}

export type ProgressMode = 'auto' | 'tty' | 'plain' | 'off';

type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

const DEFAULT_PLAIN_INTERVAL_MS = 5000;
const DEFAULT_COLUMNS = 80;
/** Carriage return, then erase the whole line: the next text replaces the last. */
const REWRITE = '\r\x1b[2K';

function clock(ms: number): string {
  const total = Number.isFinite(ms) ? Math.max(0, Math.floor(ms / 1000)) : 0;
  const two = (n: number) => String(n).padStart(2, '0');
  const hours = Math.floor(total / 3600);
  const rest = `${two(Math.floor((total % 3600) / 60))}:${two(total % 60)}`;
  return hours > 0 ? `${hours}:${rest}` : rest;
}

function ms(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return value < 10 ? value.toFixed(1) : String(Math.round(value));
}

const whole = (value: number) => (Number.isFinite(value) ? String(Math.round(value)) : '–');

/** One line, e.g. `[00:12/00:30] 412/s (target 400/s)  p50 3.1 ms  p99 41 ms  errors 0  in flight 7  search 3/8`. */
function formatProgressLine(s: ProgressSnapshot): string {
  const time = s.totalMs === null ? clock(s.elapsedMs) : `${clock(s.elapsedMs)}/${clock(s.totalMs)}`;
  const rate = `${whole(s.ratePerSecond)}/s${s.targetRate === null ? '' : ` (target ${whole(s.targetRate)}/s)`}`;
  const parts = [
    `[${time}] ${rate}`,
    `p50 ${ms(s.p50)} ms`,
    `p99 ${ms(s.p99)} ms`,
    `errors ${whole(s.errors)}`,
    `in flight ${whole(s.inFlight)}`,
  ];
  if (s.phase) parts.push(s.phase);
  return parts.join('  ');
}

function ttyReporter(stream: ProgressStream): ProgressReporter {
  let drawn = false;
  return {
    update(snapshot) {
      // One column short of the width: writing the last column makes some terminals wrap.
      const width = Math.max(1, (stream.columns || DEFAULT_COLUMNS) - 1);
      stream.write(REWRITE + formatProgressLine(snapshot).slice(0, width));
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}

function plainReporter(stream: ProgressStream, intervalMs: number): ProgressReporter {
  let nextAt = intervalMs;
  let lastElapsed = -Infinity;
  let last: ProgressSnapshot | undefined;
  let lastWritten = false;
  const nextBoundary = (elapsed: number) => (Math.floor(elapsed / intervalMs) + 1) * intervalMs;
  return {
    update(snapshot) {
      // A clock that went back means a new step began (search mode): log where the
      // last step ended, then count intervals from the new step's start.
      if (snapshot.elapsedMs < lastElapsed) {
        if (last && !lastWritten) stream.write(`${formatProgressLine(last)}\n`);
        nextAt = nextBoundary(snapshot.elapsedMs);
      }
      lastElapsed = snapshot.elapsedMs;
      last = snapshot;
      lastWritten = snapshot.elapsedMs >= nextAt;
      if (!lastWritten) return;
      stream.write(`${formatProgressLine(snapshot)}\n`);
      nextAt = nextBoundary(snapshot.elapsedMs);
    },
    finish() {
      // The final state, unless the line just written already is it.
      if (last && !lastWritten) stream.write(`${formatProgressLine(last)}\n`);
      last = undefined;
    },
  };
}

const silent: ProgressReporter = { update() {}, finish() {} };

export function createProgressReporter(
  stream: ProgressStream,
  mode: ProgressMode,
  options: { plainIntervalMs?: number } = {},
): ProgressReporter {
  const resolved = mode === 'auto' ? (stream.isTTY === true ? 'tty' : 'plain') : mode;
  if (resolved === 'off') return silent;
  if (resolved === 'tty') return ttyReporter(stream);
  const interval = options.plainIntervalMs ?? DEFAULT_PLAIN_INTERVAL_MS;
  if (!(interval > 0))
    throw new RangeError(`plainIntervalMs must be a positive number of milliseconds, not ${interval}`);
  return plainReporter(stream, interval);
}
