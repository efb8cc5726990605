// Loaded into each Corral member with `node --import` when the bench runs with --lag-corral: reports every stall
// of the member's event loop (a 5 ms timer that fires late), with the CPU the process used meanwhile, so a stall
// can be told apart from a member that was runnable but not scheduled. One line per stall:
//   <ISO time at its end> stall <ms> cpu <ms>
// into <CORRAL_LAG_DIR>/member-<pid>.lag; the storms' phases can be matched by time.
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const INTERVAL_MS = 5;
/** Lateness below this is ordinary timer jitter. */
const REPORT_MS = 15;

const dir = process.env.CORRAL_LAG_DIR;
if (dir) {
  const file = join(dir, `member-${process.pid}.lag`);
  writeFileSync(file, `# event-loop stalls over ${REPORT_MS} ms of member pid ${process.pid}: end time, stall ms, CPU ms\n`);
  let lines: string[] = [];
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage();
    const stall = now - last - INTERVAL_MS;
    const usedMs = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000;
    if (stall > REPORT_MS) lines.push(`${new Date().toISOString()} stall ${stall.toFixed(0)} cpu ${usedMs.toFixed(0)}\n`);
    last = now;
    lastCpu = cpu;
  }, INTERVAL_MS).unref();
  // Written once a second and at exit, so the member does no file I/O inside the stalls it reports.
  const flush = () => {
    if (lines.length === 0) return;
    appendFileSync(file, lines.join(''));
    lines = [];
  };
  setInterval(flush, 1000).unref();
  process.on('exit', flush);
}
