// A generator process: holds its share of the sessions and carries out the coordinator's commands on them.
// Started with child_process.fork; commands arrive as IPC messages and each gets exactly one reply.
import { EventType, OpCode } from '../../../protocol/src/index.js';
import { now, sleep, sleepUntil } from '../clock.js';
import { Histogram } from '../histogram.js';
import type {
  CloseResult,
  Command,
  ConnectResult,
  Endpoint,
  LoadResult,
  Reply,
  RereadResult,
  SessionSettings,
  VerifyResult,
} from './messages.js';
import { RawSession } from './session.js';

interface Client {
  session: RawSession;
  /** The node this client watches (power-up map), if any. */
  watchPath?: string;
  /** When it last finished re-reading that node after a change. */
  rereadAt: number;
}

const clients: Client[] = [];

/** A result before the command's CPU and wall time are added (every command but load measures its whole run). */
type Uncosted<T> = Omit<T, 'cpuMs' | 'wallMs'>;

function openClient(endpoint: Endpoint, settings: SessionSettings): Client {
  const client: Client = { session: undefined as unknown as RawSession, rereadAt: 0 };
  client.session = new RawSession({
    ...endpoint,
    timeoutMs: settings.timeoutMs,
    maxFrame: settings.maxFrame,
    // A herd member: re-read the changed node and watch it again, as a client caching a shard map does.
    onNotification: (event) => {
      if (event.type !== EventType.NodeDataChanged || event.path !== client.watchPath) return;
      client.session.request({ type: OpCode.GetData, path: event.path, watch: true }, (err) => {
        if (err === 0) client.rereadAt = now();
      });
    },
  });
  return client;
}

function read(session: RawSession, path: string, watch: boolean): Promise<number> {
  return new Promise((resolve) => session.request({ type: OpCode.GetData, path, watch }, (err) => resolve(err)));
}

/** Runs `count` tasks with at most `limit` in flight (all at once when limit is 0). */
async function runLimited(count: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  if (limit <= 0 || limit >= count) {
    await Promise.all(Array.from({ length: count }, (_, i) => task(i)));
    return;
  }
  let next = 0;
  const lane = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: limit }, lane));
}

async function connect(cmd: Extract<Command, { op: 'connect' }>): Promise<Uncosted<ConnectResult>> {
  const ready = new Histogram();
  let failed = 0;
  let lastReadyAt = 0;
  let firstError: string | undefined;
  await sleepUntil(cmd.startAt);
  await runLimited(cmd.count, cmd.concurrency, async (i) => {
    const endpoint = cmd.endpoints[(cmd.firstIndex + i) % cmd.endpoints.length]!;
    const client = openClient(endpoint, cmd.session);
    try {
      await client.session.open();
      if (cmd.readPath !== undefined) {
        const err = await read(client.session, cmd.readPath, true);
        if (err !== 0) throw new Error(`getData ${cmd.readPath}: error ${err}`);
        client.watchPath = cmd.readPath;
      }
      clients.push(client);
      const t = now();
      ready.record((t - cmd.startAt) * 1000);
      if (t > lastReadyAt) lastReadyAt = t;
    } catch (err) {
      failed++;
      firstError ??= (err as Error).message;
      client.session.destroy();
    }
  });
  return { opened: cmd.count - failed, failed, ready: ready.toData(), lastReadyAt,
    ...(firstError ? { firstError } : {}) };
}

async function load(cmd: Extract<Command, { op: 'load' }>): Promise<LoadResult> {
  const reads = new Histogram();
  const writes = new Histogram();
  const measureFrom = cmd.startAt + cmd.warmupMs;
  const end = measureFrom + cmd.durationMs;
  const value = Buffer.alloc(cmd.valueSize, 0x61);
  let completed = 0;
  let errors = 0;
  await sleepUntil(cmd.startAt);
  const open = clients.filter((c) => c.session.alive).map((c) => c.session);
  let cpuAtMeasure: NodeJS.CpuUsage | undefined;
  const measureTimer = setTimeout(() => (cpuAtMeasure = process.cpuUsage()), measureFrom - now());
  let cpuInWindow = 0;
  const done = new Promise<void>((resolve) => {
    let running = open.length * cmd.depth;
    if (running === 0) resolve();
    const issue = (session: RawSession) => {
      const path = cmd.keyPrefix + Math.floor(Math.random() * cmd.keyCount);
      const isRead = Math.random() < cmd.readFraction;
      const onReply = (err: number, sentAt: number) => {
        const t = now();
        if (sentAt >= measureFrom && t <= end) {
          if (err === 0) {
            (isRead ? reads : writes).record((t - sentAt) * 1000);
            completed++;
          } else errors++;
        }
        if (t < end && session.alive) issue(session);
        else if (--running === 0) resolve();
      };
      if (isRead) session.request({ type: OpCode.GetData, path, watch: false }, onReply);
      else session.request({ type: OpCode.SetData, path, data: value, version: -1 }, onReply);
    };
    for (const s of open) for (let d = 0; d < cmd.depth; d++) issue(s);
  });
  const endTimer = setTimeout(() => {
    if (cpuAtMeasure) {
      const u = process.cpuUsage(cpuAtMeasure);
      cpuInWindow = (u.user + u.system) / 1000;
    }
  }, end - now());
  await done;
  clearTimeout(measureTimer);
  clearTimeout(endTimer);
  const outOfOrder = open.reduce((n, s) => n + s.outOfOrder, 0);
  return { reads: reads.toData(), writes: writes.toData(), completed, errors, outOfOrder,
    cpuMs: cpuInWindow, wallMs: cmd.durationMs };
}

async function rereads(cmd: Extract<Command, { op: 'rereads' }>): Promise<Uncosted<RereadResult>> {
  const watching = clients.filter((c) => c.watchPath !== undefined && c.session.alive);
  const deadline = now() + cmd.timeoutMs;
  const pending = () => watching.filter((c) => c.rereadAt < cmd.since).length;
  while (pending() > 0 && now() < deadline) await sleep(20);
  const latency = new Histogram();
  let lastAt = 0;
  for (const c of watching) {
    if (c.rereadAt < cmd.since) continue;
    latency.record((c.rereadAt - cmd.since) * 1000);
    lastAt = Math.max(lastAt, c.rereadAt);
  }
  return { watching: watching.length, reread: latency.count, latency: latency.toData(), lastAt };
}

async function verify(cmd: Extract<Command, { op: 'verify' }>): Promise<Uncosted<VerifyResult>> {
  const open = clients.filter((c) => c.session.alive);
  let ok = 0;
  await Promise.race([
    runLimited(open.length, 1000, async (i) => {
      const err = await new Promise<number>((r) => open[i]!.session.request({ type: OpCode.Exists, path: '/', watch: false }, r));
      if (err === 0) ok++;
    }),
    sleep(cmd.timeoutMs),
  ]);
  return { open: open.length, ok, lost: clients.length - open.length };
}

async function closeAll(cmd: Extract<Command, { op: 'closeAll' }>): Promise<Uncosted<CloseResult>> {
  const latency = new Histogram();
  let lastAt = 0;
  const open = clients.splice(0).filter((c) => c.session.alive);
  await sleepUntil(cmd.startAt);
  await Promise.race([
    Promise.all(open.map(async (c) => {
      await c.session.close();
      const t = now();
      latency.record((t - cmd.startAt) * 1000);
      lastAt = Math.max(lastAt, t);
    })),
    sleep(cmd.timeoutMs),
  ]);
  for (const c of open) c.session.destroy();
  return { closed: latency.count, latency: latency.toData(), lastAt };
}

/** Keeps idle sessions alive the way ZooKeeper's clients do: a ping once a third of the timeout passed quietly. */
function pingIdleSessions(): void {
  const t = now();
  for (const { session } of clients) {
    if (session.alive && t - session.lastSent > session.timeoutMs / 3) session.ping();
  }
}

async function run(cmd: Command): Promise<unknown> {
  switch (cmd.op) {
    case 'connect': return connect(cmd);
    case 'load': return load(cmd);
    case 'rereads': return rereads(cmd);
    case 'verify': return verify(cmd);
    case 'closeAll': return closeAll(cmd);
    case 'exit':
      for (const c of clients) c.session.destroy();
      setImmediate(() => process.exit(0));
      return {};
  }
}

setInterval(pingIdleSessions, 250).unref();
process.on('message', (msg: { id: number; cmd: Command }) => {
  const cpu = process.cpuUsage();
  const started = now();
  run(msg.cmd).then(
    (result) => {
      const u = process.cpuUsage(cpu);
      const whole = { cpuMs: (u.user + u.system) / 1000, wallMs: now() - started };
      process.send!({ id: msg.id, ok: true, result: { ...whole, ...(result as object) } } satisfies Reply);
    },
    (err: Error) => process.send!({ id: msg.id, ok: false, error: err.stack ?? err.message } satisfies Reply),
  );
});
process.on('disconnect', () => process.exit(0));
