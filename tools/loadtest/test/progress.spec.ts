import { createProgressReporter, type ProgressSnapshot } from '../src/report/progress';

/** A stream that keeps each write; `isTTY` and `columns` as a terminal (or a pipe) would set them. */
function fakeStream(tty: { isTTY?: boolean; columns?: number } = {}) {
  const writes: string[] = [];
  const stream = {
    ...tty,
    write: (chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    },
  } as unknown as NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  return { stream, writes };
}

const snapshot = (elapsedMs: number, extra: Partial<ProgressSnapshot> = {}): ProgressSnapshot => ({
  elapsedMs,
  totalMs: 30_000,
  operations: Math.round(elapsedMs * 0.4),
  ratePerSecond: 412,
  targetRate: 400,
  p50: 3.14,
  p99: 41.2,
  errors: 0,
  inFlight: 7,
  ...extra,
});

/** Snapshots every 250 ms of elapsed time, from 0 to `untilMs` inclusive, as the engine sends them. */
function feed(reporter: ReturnType<typeof createProgressReporter>, untilMs: number) {
  for (let elapsed = 0; elapsed <= untilMs; elapsed += 250) reporter.update(snapshot(elapsed));
}

const REWRITE = '\r\x1b[2K';

describe('live progress', () => {
  it('in TTY mode, each update rewrites one line in place (carriage return, erase line) and finish ends it with one newline', () => {
    const { stream, writes } = fakeStream({ isTTY: true, columns: 200 });
    const reporter = createProgressReporter(stream, 'tty');
    reporter.update(snapshot(12_000, { phase: 'search 3/8' }));
    reporter.update(snapshot(12_250, { phase: 'search 3/8' }));
    expect(writes).toEqual([
      `${REWRITE}[00:12/00:30] 412/s (target 400/s)  p50 3.1 ms  p99 41 ms  errors 0  in flight 7  search 3/8`,
      `${REWRITE}[00:12/00:30] 412/s (target 400/s)  p50 3.1 ms  p99 41 ms  errors 0  in flight 7  search 3/8`,
    ]);
    reporter.finish();
    expect(writes.slice(2)).toEqual(['\n']);
    reporter.finish();
    expect(writes).toHaveLength(3);
  });

  it('in TTY mode, cuts the line one column short of the terminal width, and leaves out an unknown target and total', () => {
    const { stream, writes } = fakeStream({ isTTY: true, columns: 24 });
    createProgressReporter(stream, 'tty').update(snapshot(65_000, { totalMs: null, targetRate: null }));
    expect(writes).toEqual([`${REWRITE}${'[01:05] 412/s  p50 3.1 ms  p99 41 ms'.slice(0, 23)}`]);
  });

  it('in plain mode, writes exactly one full line per 5 s of elapsed time (at 00:05 and 00:10 over 12 s of 250 ms updates) and a last line at finish', () => {
    const { stream, writes } = fakeStream({ isTTY: false });
    const reporter = createProgressReporter(stream, 'plain');
    feed(reporter, 12_000);
    expect(writes.map((line) => line.slice(0, 13))).toEqual(['[00:05/00:30]', '[00:10/00:30]']);
    reporter.finish();
    expect(writes.map((line) => line.slice(0, 13))).toEqual([
      '[00:05/00:30]',
      '[00:10/00:30]',
      '[00:12/00:30]',
    ]);
    expect(
      writes.every((line) => line.endsWith('\n') && !line.includes('\r') && !line.includes('\x1b')),
    ).toBe(true);
  });

  it('in plain mode, honours plainIntervalMs', () => {
    const { stream, writes } = fakeStream();
    const reporter = createProgressReporter(stream, 'plain', { plainIntervalMs: 1000 });
    feed(reporter, 3_500);
    expect(writes.map((line) => line.slice(0, 6))).toEqual(['[00:01', '[00:02', '[00:03']);
  });

  it('in plain mode, logs where a search step ended when the next step starts its clock over', () => {
    const { stream, writes } = fakeStream();
    const reporter = createProgressReporter(stream, 'plain');
    feed(reporter, 7_000);
    feed(reporter, 5_000);
    reporter.finish();
    expect(writes.map((line) => line.slice(0, 6))).toEqual(['[00:05', '[00:07', '[00:05']);
  });

  it.each([
    [true, 'rewrites in place'],
    [false, 'writes plain lines'],
  ])('in auto mode with isTTY %s, %s', (isTTY) => {
    const { stream, writes } = fakeStream({ isTTY, columns: 200 });
    const reporter = createProgressReporter(stream, 'auto');
    feed(reporter, 5_000);
    expect(writes.every((line) => line.startsWith(REWRITE))).toBe(isTTY);
    expect(writes).toHaveLength(isTTY ? 21 : 1);
  });

  it('in off mode, writes nothing, even to a terminal', () => {
    const { stream, writes } = fakeStream({ isTTY: true, columns: 200 });
    const reporter = createProgressReporter(stream, 'off');
    feed(reporter, 12_000);
    reporter.finish();
    expect(writes).toEqual([]);
  });
});
