// The life of a fleet of clients that cache a shard map: they all start at once and read it (power-up storm),
// the map changes and every one of them is told and re-reads it (herd), then they all shut down at once
// while a probe client keeps reading (power-down storm).
import { getPriority, setPriority } from 'node:os';
import { now } from '../clock.js';
import { ControlSession } from '../control-session.js';
import type { Deployment } from '../deploy.js';
import type { CloseResult, RereadResult } from '../loadgen/messages.js';
import type { GeneratorPool } from '../loadgen/pool.js';
import type { BenchSettings, Figure, Scenario } from '../settings.js';
import { figures, MiB, openSessions, usToMs, withTarget } from './common.js';

const MAP = '/bench/map';
const PROBE = '/bench/probe';
/** How long before a storm the command is sent, so every generator process starts it at the same instant. */
const LEAD_MS = 300;
/** How much higher (in nice steps) the probe client runs than everything else during the power-down. */
const PROBE_PRIORITY_BOOST = 5;

interface StormShape {
  name: string;
  clients: number;
  mapBytes: number;
  sessionTimeoutMs: number;
  /** Set when the map needs a larger jute.maxbuffer than the default. */
  juteMaxBuffer?: number;
}

async function runStorm(shape: StormShape, dep: Deployment, pool: GeneratorPool): Promise<Figure[]> {
  const maxFrame = shape.juteMaxBuffer ?? 0xfffff;
  const control = await ControlSession.open(dep.endpoints[0]!, maxFrame);
  await control.create('/bench', Buffer.alloc(0));
  await control.create(MAP, Buffer.alloc(shape.mapBytes, 0x6d));
  await control.create(PROBE, Buffer.alloc(16));
  const fig = (stage: string) => figures(`${shape.name} ${stage}`);

  // Power-up: every client connects, reads the map and watches it, all at once.
  const up = fig('power-up');
  const startAt = now() + LEAD_MS;
  const opened = await openSessions(pool, dep, shape.clients, { timeoutMs: shape.sessionTimeoutMs, maxFrame },
    { concurrency: 0, startAt, readPath: MAP });
  const upWall = opened.lastReadyAt - startAt;
  const out: Figure[] = [
    up('all clients read the map', 'ms', 'lower', opened.opened ? upWall : null,
      opened.failed ? `${opened.failed} of ${shape.clients} failed: ${opened.firstError}` : undefined),
    up('p50 client ready', 'ms', 'lower', usToMs(opened.ready.quantile(0.5))),
    up('p99 client ready', 'ms', 'lower', usToMs(opened.ready.quantile(0.99))),
    up('generator CPU', '% core', 'neither', (opened.generatorCpuMs / upWall) * 100),
  ];

  // Herd: one change; every watcher is notified and re-reads.
  const herd = fig('herd');
  const since = now();
  await control.setData(MAP, Buffer.alloc(shape.mapBytes, 0x4d));
  const rereads = await pool.all<RereadResult>(() => ({ op: 'rereads', since, timeoutMs: 120_000 }));
  const watching = rereads.reduce((n, r) => n + r.watching, 0);
  const reread = rereads.reduce((n, r) => n + r.reread, 0);
  out.push(herd('all notified and re-read', 'ms', 'lower', reread ? Math.max(...rereads.map((r) => r.lastAt)) - since : null,
    reread < watching ? `only ${reread} of ${watching} re-read` : undefined));

  // Power-down: every client closes at once; a probe measures what an unrelated client suffers meanwhile.
  const down = fig('power-down');
  const closeAt = now() + LEAD_MS;
  let closed!: CloseResult[];
  const closing = pool.all<CloseResult>(() => ({ op: 'closeAll', startAt: closeAt, timeoutMs: 120_000 })).then((r) => (closed = r));
  // The probe is the measuring instrument: it runs at a higher CPU priority than the servers and generators
  // that share the two cores, so its own scheduling delays do not count against either server.
  const probe = await withRaisedPriority(() => control.probe(PROBE, closing, closeAt));
  const closedCount = closed.reduce((n, r) => n + r.closed, 0);
  out.push(
    down('all sessions closed', 'ms', 'lower', closedCount ? Math.max(...closed.map((r) => r.lastAt)) - closeAt : null,
      closedCount < opened.opened ? `only ${closedCount} of ${opened.opened} closed` : undefined),
    down('probe worst getData', 'ms', 'lower', usToMs(probe.max)),
    down('probe p99 getData', 'ms', 'lower', usToMs(probe.quantile(0.99))),
  );
  await control.close();
  return out;
}

/**
 * Runs `fn` with this thread's nice value lowered by PROBE_PRIORITY_BOOST (Linux: per thread, so processes started
 * earlier keep theirs), if the OS allows it (root, or CAP_SYS_NICE); otherwise as it is.
 */
async function withRaisedPriority<T>(fn: () => Promise<T>): Promise<T> {
  const before = getPriority();
  let raised = false;
  try {
    setPriority(Math.max(-20, before - PROBE_PRIORITY_BOOST));
    raised = true;
  } catch {
    // not permitted: measure at the normal priority
  }
  try {
    return await fn();
  } finally {
    if (raised) setPriority(before);
  }
}

export const storm: Scenario = {
  name: 'storm',
  description: 'power-up storm (N clients read an M KiB map and watch it), herd (map changes once), power-down storm',
  run: (kind, s: BenchSettings) => {
    const shape = { name: `storm ${s.storm.clients}×${s.storm.mapKiB}KiB`, clients: s.storm.clients,
      mapBytes: s.storm.mapKiB * 1024, sessionTimeoutMs: s.storm.sessionTimeoutMs };
    return withTarget(kind, s, shape.clients, (dep, pool) => runStorm(shape, dep, pool));
  },
};

export const bigStorm: Scenario = {
  name: 'storm-big',
  description: 'the storm with a multi-MiB map and jute.maxbuffer raised on both servers and the clients',
  run: (kind, s: BenchSettings) => {
    const mapBytes = s.bigStorm.mapMiB * MiB;
    // Room for the map plus the request/reply headers.
    const juteMaxBuffer = mapBytes + MiB;
    const shape = { name: `storm ${s.bigStorm.clients}×${s.bigStorm.mapMiB}MiB`, clients: s.bigStorm.clients, mapBytes,
      sessionTimeoutMs: s.storm.sessionTimeoutMs, juteMaxBuffer };
    return withTarget(kind, s, shape.clients, (dep, pool) => runStorm(shape, dep, pool), juteMaxBuffer);
  },
};
