import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/**
 * CPU accounting from /proc: how many cores each group of processes (worker, API, sink,
 * PostgreSQL, Redis, everything else) used over a window, to show where the machine's
 * two cores went during a run.
 */
const TICKS_PER_SECOND = 100;

interface ProcTicks {
  comm: string;
  ticks: number;
}

function readProcs(): Map<number, ProcTicks> {
  const out = new Map<number, ProcTicks>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      out.set(Number(name), parseStat(readFileSync(`/proc/${name}/stat`, 'utf8')));
    } catch {
      // exited while we were reading
    }
  }
  return out;
}

/** A process's or thread's name and CPU ticks (user + system) from its /proc stat line. */
function parseStat(stat: string): ProcTicks {
  const close = stat.lastIndexOf(')');
  const comm = stat.slice(stat.indexOf('(') + 1, close);
  const fields = stat.slice(close + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the comm.
  return { comm, ticks: Number(fields[11]) + Number(fields[12]) };
}

function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = cpu[3] + (cpu[4] ?? 0);
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export interface CpuWindow {
  seconds: number;
  /** Share of all cores busy, 0..1. */
  machineBusy: number;
  /** Cores used on average by each group (1.0 = one core fully busy). */
  cores: Record<string, number>;
  /** The busiest processes in "other" (not the bench's own, nor PostgreSQL/Redis), by name. */
  otherTop: Record<string, number>;
  /**
   * Busy cores no running process accounts for: processes that started and ended inside the
   * window (someone else's test run, say) and kernel time. High values mean a noisy machine.
   */
  unattributed: number;
}

export type Groups = Record<string, number[]>;

export class CpuMeter {
  private startedAt = 0;
  private procs = new Map<number, ProcTicks>();
  private machine = { busy: 0, total: 0 };

  start(): void {
    this.startedAt = Date.now();
    this.procs = readProcs();
    this.machine = machineTicks();
  }

  /** Groups name pids; postgres, redis and "other" are found by process name. */
  stop(groups: Groups): CpuWindow {
    const seconds = (Date.now() - this.startedAt) / 1000;
    const now = readProcs();
    const machine = machineTicks();
    const byPid = new Map<number, string>();
    for (const [group, pids] of Object.entries(groups)) for (const pid of pids) byPid.set(pid, group);
    const used: Record<string, number> = {};
    const other: Record<string, number> = {};
    for (const [pid, p] of now) {
      const before = this.procs.get(pid)?.ticks ?? 0;
      const delta = p.ticks - before;
      if (delta <= 0) continue;
      const group =
        byPid.get(pid) ?? (p.comm.startsWith('postgres') ? 'postgres' : p.comm.startsWith('redis') ? 'redis' : 'other');
      used[group] = (used[group] ?? 0) + delta;
      if (group === 'other') other[p.comm] = (other[p.comm] ?? 0) + delta;
    }
    const cores: Record<string, number> = {};
    for (const [group, ticks] of Object.entries(used)) cores[group] = round(ticks / TICKS_PER_SECOND / seconds);
    const machineBusy = round((machine.busy - this.machine.busy) / Math.max(1, machine.total - this.machine.total));
    const otherTop = Object.fromEntries(
      Object.entries(other)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4)
        .map(([comm, ticks]) => [comm, round(ticks / TICKS_PER_SECOND / seconds)]),
    );
    const cpuCount = cpus().length;
    const attributed = Object.values(cores).reduce((a, b) => a + b, 0);
    const unattributed = round(Math.max(0, machineBusy * cpuCount - attributed));
    return { seconds: round(seconds), machineBusy, cores, otherTop, unattributed };
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

export function describeCpu(w: CpuWindow): string {
  const parts = Object.entries(w.cores)
    .sort((a, b) => b[1] - a[1])
    .map(([g, c]) => `${g} ${c.toFixed(2)}`);
  const other = Object.entries(w.otherTop).map(([c, v]) => `${c} ${v.toFixed(2)}`);
  return (
    `machine ${(w.machineBusy * 100).toFixed(0)}% busy; cores: ${parts.join(', ')}` +
    (other.length ? ` (other: ${other.join(', ')})` : '') +
    (w.unattributed >= 0.1 ? `; ${w.unattributed.toFixed(2)} cores used by processes that came and went` : '')
  );
}

/** Cores used by one process's threads over a window: its main thread, and the busiest other. */
export interface ThreadCores {
  main: number;
  /** The busiest other thread: the worker's SMTP thread during a fan-out (GC helpers use a few hundredths). */
  busiestOther: number;
  /** All its other threads together (libuv pool, V8 helpers, worker threads). */
  others: number;
}

function readThreadTicks(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        out.set(Number(tid), parseStat(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')).ticks);
      } catch {
        // the thread ended while we were reading
      }
    }
  } catch {
    // the process has exited
  }
  return out;
}

/**
 * Per-thread CPU of some processes, from /proc/<pid>/task: shows which of a worker's
 * threads (the one building messages, or the SMTP thread) is the one that is busy.
 */
export class ThreadMeter {
  private startedAt = 0;
  private before = new Map<number, Map<number, number>>();

  constructor(private readonly pids: number[]) {}

  start(): void {
    this.startedAt = Date.now();
    this.before = new Map(this.pids.map((pid) => [pid, readThreadTicks(pid)]));
  }

  stop(): ThreadCores[] {
    const seconds = (Date.now() - this.startedAt) / 1000;
    const cores = (ticks: number) => round(ticks / TICKS_PER_SECOND / seconds);
    return this.pids.map((pid) => {
      const earlier = this.before.get(pid) ?? new Map<number, number>();
      const used = [...readThreadTicks(pid)].map(([tid, ticks]) => ({ tid, ticks: ticks - (earlier.get(tid) ?? 0) }));
      const others = used.filter((t) => t.tid !== pid).map((t) => t.ticks);
      return {
        main: cores(used.find((t) => t.tid === pid)?.ticks ?? 0),
        busiestOther: cores(Math.max(0, ...others)),
        others: cores(others.reduce((a, b) => a + b, 0)),
      };
    });
  }
}

export function describeThreads(threads: ThreadCores[]): string {
  return threads
    .map(
      (t) =>
        `main ${t.main.toFixed(2)}, busiest other ${t.busiestOther.toFixed(2)} (all others ${t.others.toFixed(2)})`,
    )
    .join('; ');
}
