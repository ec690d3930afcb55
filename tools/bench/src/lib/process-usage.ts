import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux build Node runs on. */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far, its resident memory, and the most it has held since it started. */
export interface ProcessUsage {
  cpuSeconds: number;
  rssMegabytes: number;
  peakRssMegabytes: number;
}

/**
 * Reads a process's CPU time and RSS from /proc (Linux): the same figures
 * `top` shows, taken around a run so the difference is what the run cost.
 */
export function processUsage(pid: number): ProcessUsage {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const megabytes = (field: string) =>
    Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) / 1024;
  return {
    cpuSeconds: (utime + stime) / TICKS_PER_SECOND,
    rssMegabytes: megabytes('VmRSS'),
    peakRssMegabytes: megabytes('VmHWM'),
  };
}

/** CPU milliseconds a process spent per request between two readings. */
export function cpuMsPerRequest(before: ProcessUsage, after: ProcessUsage, requests: number): number {
  return requests === 0 ? 0 : ((after.cpuSeconds - before.cpuSeconds) * 1_000) / requests;
}
