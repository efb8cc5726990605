// Resource use of server processes, read from /proc (Linux).
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every mainstream Linux build). */
const TICKS_PER_SECOND = 100;

/** Resident set size in bytes (VmRSS of /proc/<pid>/status), or NaN when the process is gone. */
export function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU time (user + system) the process has used so far, in ms, or NaN when it is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may hold spaces); utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

export const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Measures the CPU several processes use between start() and stop(), as a percentage of one core. */
export function cpuMeter(pids: number[]): { start(): void; stop(): number } {
  let t0 = 0;
  let c0 = 0;
  return {
    start() {
      t0 = performance.now();
      c0 = sum(pids.map(cpuMs));
    },
    stop() {
      const wall = performance.now() - t0;
      return wall > 0 ? ((sum(pids.map(cpuMs)) - c0) / wall) * 100 : NaN;
    },
  };
}
