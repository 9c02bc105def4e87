/**
 * What Linux knows about a process or the machine, read from /proc: peak RSS,
 * CPU time of a process, a thread or a process tree, and busy CPU time of the
 * whole machine. Every scenario's CPU figures (µs per request, cores) come
 * from differences of these readings.
 */

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** Peak resident set size of a running process, in bytes (`VmHWM`). */
export function peakRssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = status.match(/^VmHWM:\s+(\d+)\s+kB$/m);
  return match ? Number(match[1]) * 1024 : NaN;
}

/** Resident set size of a running process now, in bytes (`VmRSS`). */
export function residentBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = status.match(/^VmRSS:\s+(\d+)\s+kB$/m);
  return match ? Number(match[1]) * 1024 : NaN;
}

let clockTicks: number | undefined;

export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** The fields of a `stat` line after the command name (which may itself hold spaces): state is [0], utime [11], stime [12]. */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * User plus system CPU time a running process has used so far, in seconds;
 * with `tid`, only that thread of it (the main thread's id is the pid).
 */
export function cpuSeconds(pid: number | undefined, tid?: number): number {
  if (pid === undefined) return NaN;
  try {
    const fields = statFields(fs.readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8'));
    return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond();
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds of the process `pid` and its children, those it has reaped
 * included (Postgres: the postmaster and its backends).
 */
export function cpuSecondsOfTree(pid: number | undefined): number {
  if (!pid) return NaN;
  let ticks = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // ppid is [1]; cutime and cstime, the reaped children's, follow stime.
    const fields = statFields(stat);
    if (Number(entry) !== pid && Number(fields[1]) !== pid) continue;
    ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  return ticks / clockTicksPerSecond();
}

export interface MachineCpu {
  /** Seconds used by every process and the kernel, all CPUs. */
  busy: number;
  /** Seconds taken by the hypervisor for other guests. */
  stolen: number;
}

/** CPU time used so far on the whole machine. */
export function machineCpuSeconds(): MachineCpu {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal; guest time is already inside user.
    const [user, nice, system, , , irq, softirq, steal = 0] = fields;
    const ticks = clockTicksPerSecond();
    return { busy: (user + nice + system + irq + softirq) / ticks, stolen: steal / ticks };
  } catch {
    return { busy: NaN, stolen: NaN };
  }
}

/** User plus system CPU seconds of this process so far. */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}
