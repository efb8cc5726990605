#!/usr/bin/env node
// corral bench: runs each scenario against Apache ZooKeeper and Corral with the same settings and load, and
// prints one comparison table. Progress goes to stderr, the table to stdout.
import { Command, InvalidArgumentError } from 'commander';
import { readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import type { TargetKind } from './deploy.js';
import { comparisonTable, medianOfRounds } from './report.js';
import { failover } from './scenarios/failover.js';
import { reconfig } from './scenarios/reconfig.js';
import { rolling } from './scenarios/rolling.js';
import { sessions } from './scenarios/sessions.js';
import { bigStorm, storm } from './scenarios/storm.js';
import { throughput } from './scenarios/throughput.js';
import { MIXES, type BenchSettings, type Figure, type Scenario } from './settings.js';

const SCENARIOS: Scenario[] = [throughput, storm, bigStorm, sessions, failover, reconfig, rolling];

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
};
const seconds = (v: string) => {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError('expected a positive number of seconds');
  return n * 1000;
};
const list = (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean);
/** `key=value`, repeatable: extra zoo.cfg keys for both servers. */
const cfgEntry = (v: string, previous: Record<string, string> = {}) => {
  const eq = v.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected key=value');
  return { ...previous, [v.slice(0, eq).trim()]: v.slice(eq + 1).trim() };
};

const program = new Command('bench')
  .description('Side-by-side benchmarks of Corral and Apache ZooKeeper over the ZooKeeper client protocol')
  .option('--quick', 'small sizes and short runs (a smoke test, seconds not minutes)')
  .option('--scenario <names>', `comma-separated: ${SCENARIOS.map((s) => s.name).join(', ')}`, list)
  .option('--targets <names>', 'comma-separated: zookeeper, corral', list)
  .option('--members <n>', 'members per deployment (3 for an ensemble)', int)
  .option('--clients <n>', 'storm clients', int)
  .option('--map-kib <n>', 'storm shard map size (KiB)', int)
  .option('--big-clients <n>', 'clients of the big-map storm', int)
  .option('--big-map-mib <n>', 'big-map size (MiB)', int)
  .option('--duration <s>', 'measured seconds per throughput mix', seconds)
  .option('--warmup <s>', 'unmeasured seconds before each mix', seconds)
  .option('--load-sessions <n>', 'sessions of the throughput load', int)
  .option('--depth <n>', 'outstanding requests per throughput session', int)
  .option('--mix <names>', `throughput mixes: ${MIXES.map((m) => m.name).join(', ')}`, list)
  .option('--sessions <n>', 'idle sessions of the session-scale scenario', int)
  .option('--session-timeout <ms>', 'session timeout of the session-scale scenario', int)
  .option('--hold-timeouts <n>', 'session timeouts to hold the idle sessions for', int)
  .option('--sessions-per-generator <n>', 'sessions one generator process holds at most', int)
  .option('--rounds <n>', 'runs of each scenario per target, alternating which target goes first; figures are medians', int)
  .option('--failover-runs <n>', 'fresh ensembles the failover scenario measures (min/median/max over them)', int)
  .option('--reconfig-runs <n>', 'fresh ensembles the reconfig scenario measures (min/median/max over them)', int)
  .option('--rolling-runs <n>', 'fresh five-member deployments the rolling scenario restarts (min/median/max over them)', int)
  .option('--zoo <key=value>', 'extra zoo.cfg key for both servers (repeatable), e.g. localSessionsEnabled=true', cfgEntry)
  .option('--zk-heap <mb>', 'ZooKeeper heap (zkServer.sh default: 1000)', int)
  .option('--profile-corral <dir>', 'run Corral under node --cpu-prof, profiles written to <dir>')
  .option('--lag-corral <dir>', "log each Corral member's event-loop stalls (with its CPU meanwhile) into <dir>")
  .option('--json <file>', 'also write every figure as JSON')
  .option('--results <file>', 'also write a Markdown report (date, machine, versions, table)');

type Options = Partial<{
  quick: boolean; scenario: string[]; targets: string[]; members: number; clients: number; mapKib: number;
  bigClients: number; bigMapMib: number; duration: number; warmup: number; loadSessions: number; depth: number;
  mix: string[]; sessions: number; sessionTimeout: number; holdTimeouts: number; sessionsPerGenerator: number;
  rounds: number; failoverRuns: number; reconfigRuns: number; rollingRuns: number; zoo: Record<string, string>; zkHeap: number; profileCorral: string; lagCorral: string; json: string; results: string;
}>;

function settingsFrom(o: Options): BenchSettings {
  const q = o.quick ?? false;
  const members = o.members ?? 1;
  const tickTime = q ? 1000 : 2000;
  const targets = (o.targets ?? ['zookeeper', 'corral']).map((t) => {
    if (t !== 'zookeeper' && t !== 'corral') throw new InvalidArgumentError(`unknown target ${t}`);
    return t as TargetKind;
  });
  const mixes = (o.mix ?? MIXES.map((m) => m.name)).map((name) => {
    const mix = MIXES.find((m) => m.name === name);
    if (!mix) throw new InvalidArgumentError(`unknown mix ${name}`);
    return mix;
  });
  return {
    quick: q,
    targets,
    members,
    // The same zoo.cfg for both: durable writes, no per-IP connection cap (every client is on 127.0.0.1), a
    // listen backlog as deep as the kernel allows so a connect storm is not shaped by SYN drops.
    cfg: { tickTime, forceSync: process.env.BENCH_FORCE_SYNC ?? 'yes', maxClientCnxns: 0, clientPortListenBacklog: 4096, ...o.zoo },
    zkHeapMb: o.zkHeap ?? 1000,
    sessionsPerGenerator: o.sessionsPerGenerator ?? (q ? 150 : 10_000),
    ...(o.profileCorral ? { corralProfileDir: o.profileCorral } : {}),
    ...(o.lagCorral ? { corralLagDir: o.lagCorral } : {}),
    throughput: {
      sessions: o.loadSessions ?? (q ? 8 : 64),
      depth: o.depth ?? (q ? 8 : 16),
      keyCount: q ? 100 : 1000,
      valueSize: 1024,
      warmupMs: o.warmup ?? (q ? 200 : 3000),
      durationMs: o.duration ?? (q ? 700 : 10_000),
      mixes,
    },
    storm: { clients: o.clients ?? (q ? 200 : 18_000), mapKiB: o.mapKib ?? 64, sessionTimeoutMs: 30_000 },
    bigStorm: { clients: o.bigClients ?? (q ? 20 : 500), mapMiB: o.bigMapMib ?? 2 },
    scale: {
      // Each member holds at most ~20,000 file descriptors; leave some for its own files.
      sessions: o.sessions ?? (q ? 300 : 19_000 * members),
      sessionTimeoutMs: o.sessionTimeout ?? (q ? 2 * tickTime : 6000),
      holdTimeouts: o.holdTimeouts ?? (q ? 1 : 3),
    },
    failoverRuns: o.failoverRuns ?? (q ? 1 : 5),
    reconfig: { nodes: q ? 200 : 4000, runs: o.reconfigRuns ?? (q ? 1 : 3) },
    rollingRuns: o.rollingRuns ?? (q ? 3 : 5),
  };
}

function zookeeperVersion(): string {
  try {
    const jar = readdirSync('/usr/share/java').find((f) => /^zookeeper-\d+\.\d+\.\d+\.jar$/.test(f));
    return jar ? jar.slice('zookeeper-'.length, -'.jar'.length) : 'unknown';
  } catch {
    return 'unknown';
  }
}

function resultsDocument(table: string, settings: BenchSettings, elapsedS: number): string {
  const argv = process.argv.slice(2).join(' ');
  return `# Benchmark results: Corral vs Apache ZooKeeper

Generated by \`node dist/bench/src/main.js${argv ? ` ${argv}` : ''}\` (see bench/README.md).

- date: ${new Date().toISOString()}
- machine: ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory; generators, coordinator and server share the cores
- versions: node ${process.version}, Apache ZooKeeper ${zookeeperVersion()} (OpenJDK, -Xmx${settings.zkHeapMb}m), Corral at the commit of this file
- deployment: ${settings.members === 1 ? 'standalone' : `${settings.members} members`}; zoo.cfg ${Object.entries(settings.cfg).map(([k, v]) => `${k}=${v}`).join(' ')}
- run time: ${Math.round(elapsedS)} s

↑ higher is better, ↓ lower is better; the last column is Corral's figure divided by ZooKeeper's.
"generator CPU" is the load generators' own CPU use (100% = one core) over the same window.

${table}
`;
}

async function runOnce(scenario: Scenario, kind: TargetKind, settings: BenchSettings, round: number, rounds: number): Promise<Figure[]> {
  const t0 = Date.now();
  process.stderr.write(`[bench] ${scenario.name} on ${kind}${rounds > 1 ? ` (round ${round + 1} of ${rounds})` : ''}...`);
  try {
    const figs = await scenario.run(kind, settings);
    process.stderr.write(` ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    return figs;
  } catch (err) {
    process.stderr.write(` failed\n${(err as Error).stack}\n`);
    return [{ scenario: scenario.name, metric: 'error', unit: '', better: 'neither', value: null, note: (err as Error).message.split('\n')[0]! }];
  }
}

async function main(): Promise<void> {
  program.parse();
  const opts = program.opts<Options>();
  const settings = settingsFrom(opts);
  const wanted = opts.scenario ?? SCENARIOS.map((s) => s.name);
  const unknown = wanted.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length) throw new InvalidArgumentError(`unknown scenario ${unknown.join(', ')}`);
  const started = Date.now();
  const results = new Map<TargetKind, Figure[]>(settings.targets.map((t) => [t, []]));
  const rounds = Math.max(1, opts.rounds ?? 1);
  for (const scenario of SCENARIOS.filter((s) => wanted.includes(s.name))) {
    const perTarget = new Map<TargetKind, Figure[][]>(settings.targets.map((t) => [t, []]));
    for (let round = 0; round < rounds; round++) {
      // Alternate which target goes first, so a slow stretch of the machine does not always hit the same one.
      const order = round % 2 === 0 ? settings.targets : [...settings.targets].reverse();
      for (const kind of order) perTarget.get(kind)!.push(await runOnce(scenario, kind, settings, round, rounds));
    }
    for (const [kind, figs] of perTarget) results.get(kind)!.push(...medianOfRounds(figs));
  }
  const table = comparisonTable(results);
  process.stdout.write(`${table}\n`);
  if (opts.json) writeFileSync(opts.json, JSON.stringify(Object.fromEntries(results), null, 2));
  if (opts.results) writeFileSync(opts.results, resultsDocument(table, settings, (Date.now() - started) / 1000));
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`bench: ${err.message}\n`);
    process.exit(1);
  },
);
