// Smoke test: builds the bench and runs it in --quick mode against both servers. It checks that every scenario
// produced its figures and that the load was actually served (every session opened, every watcher re-read,
// every session closed), never how fast: timings on a shared 2-core CI machine mean nothing.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Figure } from '../src/settings.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'bench-quick-'));
let results: Record<string, Figure[]>;
let table: string;
/** Corral's figures from one failover run and one reconfig run on a 3-member ensemble (the ensemble-only measurements). */
let ensemble: Figure[];

/** Runs the bench without blocking this worker (a worker blocked for minutes misses vitest's own messages). */
async function bench(args: string[], name: string): Promise<{ table: string; results: Record<string, Figure[]> }> {
  const json = join(tmp, `${name}.json`);
  const run = promisify(execFile)(process.execPath, [join(ROOT, 'dist/bench/src/main.js'), '--quick', '--json', json, ...args],
    { cwd: ROOT, encoding: 'utf8', timeout: 170_000, maxBuffer: 16 << 20 });
  run.child.stderr?.pipe(process.stderr);
  return { table: (await run).stdout, results: JSON.parse(readFileSync(json, 'utf8')) };
}

beforeAll(async () => {
  mkdirSync(join(tmp, 'lag'));
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'bench')], { stdio: 'inherit' });
  ({ table, results } = await bench(['--lag-corral', join(tmp, 'lag')], 'quick'));
  ensemble = (await bench(['--members', '3', '--targets', 'corral', '--scenario', 'failover,reconfig'], 'ensemble')).results.corral!;
}, 180_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const value = (kind: string, scenario: RegExp, metric: string): Figure => {
  const f = results[kind]!.find((x) => scenario.test(x.scenario) && x.metric === metric);
  if (!f) throw new Error(`${kind}: no figure ${scenario} / ${metric}`);
  return f;
};

describe.each(['zookeeper', 'corral'])('bench --quick on %s', (kind) => {
  it('ran every scenario without errors', () => {
    const errors = results[kind]!.filter((f) => f.metric === 'error');
    expect(errors).toEqual([]);
  });

  it('served every throughput mix with no failed or misordered replies', () => {
    for (const mix of ['reads', 'writes', 'mixed']) {
      const f = value(kind, new RegExp(`^throughput ${mix}$`), 'throughput');
      expect(f.value).toBeGreaterThan(0);
      expect(f.note).toBeUndefined();
      expect(value(kind, new RegExp(`^throughput ${mix}$`), 'latency p99').value).toBeGreaterThan(0);
    }
  });

  it('let every storm client read the map, re-read it after the change, and close', () => {
    for (const storm of [/^storm 200×64KiB/, /^storm 20×2MiB/]) {
      for (const metric of ['all clients read the map', 'all notified and re-read', 'all sessions closed']) {
        const f = value(kind, storm, metric);
        expect(f.note, `${storm} ${metric}`).toBeUndefined();
        expect(f.value).toBeGreaterThan(0);
      }
      expect(value(kind, storm, 'probe worst getData').value).toBeGreaterThan(0);
    }
  });

  it('kept every idle session alive through a session timeout', () => {
    expect(value(kind, /^sessions/, 'sessions opened').value).toBe(300);
    expect(value(kind, /^sessions/, 'sessions alive after hold').value).toBe(300);
    expect(value(kind, /^sessions/, 'sessions lost during hold').value).toBe(0);
    expect(value(kind, /^sessions/, 'server RSS peak').value).toBeGreaterThan(0);
  });

  it('reports failover, reconfig and rolling as needing an ensemble', () => {
    expect(value(kind, /^failover/, 'leader-kill write outage median')).toMatchObject({ value: null, note: 'needs ensemble' });
    expect(value(kind, /^reconfig/, 'majority swap max write gap median')).toMatchObject({ value: null, note: 'needs --members 3' });
    expect(value(kind, /^rolling/, 'failed operations')).toMatchObject({ value: null, note: 'needs --members 5' });
  });
});

describe('failover on a 3-member Corral ensemble', () => {
  const figure = (metric: string) => {
    const f = ensemble.find((x) => x.metric === metric);
    if (!f) throw new Error(`no figure ${metric} in ${JSON.stringify(ensemble)}`);
    return f;
  };

  it('measured the write outage after the leader was killed', () => {
    expect(ensemble.filter((f) => f.metric === 'error')).toEqual([]);
    const outage = figure('leader-kill write outage median');
    expect(outage.value).toBeGreaterThan(0);
    // Far above anything a working failover needs: a missing writer or an unnoticed kill would show as 120 s/NaN.
    expect(outage.value).toBeLessThan(60_000);
  });

  it('measured a leader told to stop: writes went on', () => {
    const gap = figure('leader SIGTERM max write gap median');
    expect(gap.value).toBeGreaterThan(0);
    expect(gap.value).toBeLessThan(10_000);
  });

  it('replaced a majority by reconfig while a writer wrote, and the request was taken', () => {
    expect(figure('reconfig requests refused').value).toBe(0);
    const gap = figure('majority swap max write gap median');
    expect(gap.value).toBeGreaterThan(0);
    expect(gap.value).toBeLessThan(10_000);
    expect(figure('majority swap request time median').value).toBeGreaterThan(0);
  });

  it('moved leadership through the AdminServer and saw writes continue', () => {
    expect(figure('planned transfer admin elapsed median').value).toBeGreaterThanOrEqual(0);
    const gap = figure('planned transfer max write gap median');
    expect(gap.value).toBeGreaterThan(0);
    expect(gap.value).toBeLessThan(10_000);
  });
});

describe('rolling restart of a 5-member Corral ensemble (one run)', () => {
  let rolling: Figure[];
  const figure = (metric: string) => {
    const f = rolling.find((x) => x.metric === metric);
    if (!f) throw new Error(`no figure ${metric} in ${JSON.stringify(rolling)}`);
    return f;
  };

  beforeAll(async () => {
    rolling = (await bench(['--members', '5', '--targets', 'corral', '--scenario', 'rolling', '--rolling-runs', '1'], 'rolling')).results.corral!;
  }, 180_000);

  it('restarted every member while the client worked, and lost nothing it was told was written', () => {
    expect(rolling.filter((f) => f.metric === 'error')).toEqual([]);
    const operations = Number(/of (\d+)/.exec(figure('failed operations').note ?? '')?.[1]);
    expect(operations).toBeGreaterThan(0);
    expect(figure('acknowledged writes lost').value).toBe(0);
    expect(figure('reads missing own write').value).toBe(0);
    expect(figure('roll wall time median').value).toBeGreaterThan(0);
  });

  it('moved leadership away from the leader before its restart, never to the never-leader', () => {
    expect(figure('leader changes median').value).toBeGreaterThanOrEqual(1);
    expect(figure('never-leader led').value).toBe(0);
    // Far above any working roll: a writer stuck for good would show as the whole roll or as no figure.
    expect(figure('longest write gap median').value).toBeLessThan(10_000);
  });
});

it('prints one table row per figure with both targets', () => {
  const rows = table.trim().split('\n').slice(2);
  expect(rows.length).toBe(results.corral!.length);
  expect(rows.every((r) => r.split('|').length === 8)).toBe(true);
});

it('logged the event-loop stalls of every Corral member it started (--lag-corral)', () => {
  const logs = readdirSync(join(tmp, 'lag')).filter((f) => /^member-\d+\.lag$/.test(f));
  // One member per deployment: throughput, storm, storm-big and sessions each start one.
  expect(logs.length).toBeGreaterThanOrEqual(4);
  for (const log of logs) {
    const [head, ...stalls] = readFileSync(join(tmp, 'lag', log), 'utf8').trim().split('\n');
    expect(head).toMatch(/^# event-loop stalls/);
    for (const line of stalls) expect(line).toMatch(/^\S+Z stall \d+ cpu \d+$/);
  }
});
