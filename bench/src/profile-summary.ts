#!/usr/bin/env node
// profile-summary <file.cpuprofile> [top]: the functions with the most self time in a V8 CPU profile (as
// written by `node --cpu-prof`), as file:line function and percentage of all samples.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  where: string;
  selfMs: number;
  percent: number;
}

/** Self time per function (summed over the nodes of all its call paths), largest first. */
export function hotSpots(profile: CpuProfile, root = process.cwd()): HotSpot[] {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const f = byNode.get(id)!.callFrame;
    const file = f.url.startsWith('file://') ? relative(root, fileURLToPath(f.url)) : f.url || '(native)';
    const where = `${file}:${f.lineNumber + 1} ${f.functionName || '(anonymous)'}`;
    self.set(where, (self.get(where) ?? 0) + dt);
  });
  return [...self].map(([where, us]) => ({ where, selfMs: us / 1000, percent: total ? (us / total) * 100 : 0 }))
    .sort((a, b) => b.selfMs - a.selfMs);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top = '25'] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: profile-summary <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  for (const h of hotSpots(JSON.parse(readFileSync(file, 'utf8'))).slice(0, Number(top))) {
    process.stdout.write(`${h.percent.toFixed(1).padStart(5)}%  ${h.selfMs.toFixed(0).padStart(7)} ms  ${h.where}\n`);
  }
}
