import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

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
  const fields = statFields(`/proc/${pid}/stat`);
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

/**
 * CPU seconds used so far by every process whose command name is `name`, and
 * by the children they have waited for: a PostgreSQL backend that exits (a
 * pgbench client disconnecting) is counted in the postmaster's children times.
 */
export function cpuSecondsOfCommand(name: string): number {
  let seconds = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== name) continue;
      const fields = statFields(`/proc/${entry}/stat`);
      seconds +=
        (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) /
        TICKS_PER_SECOND;
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return seconds;
}

/**
 * The machine's busy CPU seconds (all cores, /proc/stat) and its core count:
 * how much of the machine a run used, which tells a run bound by CPU from one
 * bound by waiting.
 */
export function machineCpu(): { busySeconds: number; cores: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [user, nice, system, , , irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number);
  return {
    busySeconds: (user! + nice! + system! + irq! + softirq! + steal!) / TICKS_PER_SECOND,
    cores: availableParallelism(),
  };
}

/** Where a run's CPU went: PostgreSQL's processes, this process (the load generator) and the whole machine. */
export interface CpuAccount {
  postgresSeconds: number;
  loadGeneratorSeconds: number;
  /** Busy share of all the machine's cores over the run, 0..1. */
  machineBusy: number;
}

/** Starts counting; the function it returns gives the account of the time since. */
export function startCpuAccount(): () => CpuAccount {
  const postgres = cpuSecondsOfCommand('postgres');
  const self = process.cpuUsage();
  const machine = machineCpu();
  const started = process.hrtime.bigint();
  return () => {
    const elapsedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const selfUsed = process.cpuUsage(self);
    return {
      postgresSeconds: cpuSecondsOfCommand('postgres') - postgres,
      loadGeneratorSeconds: (selfUsed.user + selfUsed.system) / 1e6,
      machineBusy: (machineCpu().busySeconds - machine.busySeconds) / (elapsedSeconds * machine.cores),
    };
  };
}

/** CPU seconds of this process's children that have ended and been waited for (e.g. a pgbench run). */
export function endedChildrenCpuSeconds(): number {
  const fields = statFields('/proc/self/stat');
  return (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
}

/** The fields of a /proc/<pid>/stat after the command name (which is in parentheses and may hold spaces): utime is [11]. */
function statFields(path: string): string[] {
  const stat = readFileSync(path, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Starts a process's peak RSS (VmHWM) over from its current RSS, so a phase's own peak can be read after it. */
export function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}
