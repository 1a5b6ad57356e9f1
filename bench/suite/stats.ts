/** Small statistics for the benchmark tables. */
import { readFileSync } from 'node:fs';

/** The q-quantile of ascending `sorted` (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function median(values: readonly number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}

/** Median and range of the repetitions of one measure. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function summarize(runs: readonly number[]): Summary {
  const finite = runs.filter((v) => Number.isFinite(v));
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite), runs: [...runs] };
}

const CLK_TCK = 100; // Linux USER_HZ: /proc/<pid>/stat counts CPU time in these ticks

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; the fields after its closing parenthesis don't.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Measures the CPU % (of one core) `pid` uses while `work` runs. */
export async function withCpu<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; cpuPercent: number; clientCpuPercent: number }> {
  const cpu0 = cpuSeconds(pid);
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await work();
  const seconds = (performance.now() - t0) / 1000;
  const client = process.cpuUsage(client0);
  return {
    result,
    cpuPercent: ((cpuSeconds(pid) - cpu0) / seconds) * 100,
    clientCpuPercent: ((client.user + client.system) / 1e6 / seconds) * 100,
  };
}

/** Machine-wide CPU time so far: busy and total jiffies over all cores (/proc/stat), and CPU pressure. */
interface MachineSample {
  busy: number;
  total: number;
  /** Microseconds in which some runnable thread waited for a core (/proc/pressure/cpu, PSI). */
  stalled: number;
  at: number;
}

function machineSample(): MachineSample {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/);
  const ticks = fields.map(Number);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0); // idle + iowait
  const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0); // up to steal; guest time is inside user
  let stalled = Number.NaN;
  try {
    stalled = Number(/^some .*total=(\d+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.[1]);
  } catch {
    // no PSI in this kernel
  }
  return { busy: total - idle, total, stalled, at: performance.now() };
}

/** How loaded the whole machine was while `work` ran. */
export interface MachineLoad {
  /** Share of all cores' time that was busy, %. */
  busyPercent: number;
  /** Share of the time some runnable thread waited for a core, % (NaN without PSI). */
  pressurePercent: number;
}

export async function withMachineLoad<T>(work: () => Promise<T>): Promise<{ result: T; load: MachineLoad }> {
  const before = machineSample();
  const result = await work();
  const after = machineSample();
  return {
    result,
    load: {
      busyPercent: ((after.busy - before.busy) / Math.max(1, after.total - before.total)) * 100,
      pressurePercent: ((after.stalled - before.stalled) / 1000 / (after.at - before.at)) * 100,
    },
  };
}

export const fmt = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
