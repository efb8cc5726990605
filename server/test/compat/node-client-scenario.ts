import zookeeper, { type Client, type Stat } from 'node-zookeeper-client';
import type { Target } from '../../../test-support/servers.js';
import { normalizeTranscript } from '../../../test-support/transcript.js';

/**
 * A node-zookeeper-client session driven step by step, writing the same kind of transcript as the kazoo
 * scenarios: `label -> result` or `label !! ERROR`, watch events at explicit await points.
 */
class NodeSession {
  readonly events: string[] = [];

  private constructor(readonly name: string, readonly client: Client) {}

  static open(name: string, target: Target): Promise<NodeSession> {
    const client = zookeeper.createClient(target.connectString, { sessionTimeout: 10_000, spinDelay: 100, retries: 0 });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: no connection to ${target.kind}`)), 10_000);
      client.once('connected', () => {
        clearTimeout(timer);
        resolve(new NodeSession(name, client));
      });
      client.connect();
    });
  }

  watcher = (e: zookeeper.Event) => {
    this.events.push(`[${this.name}] event ${e.getName()} ${e.getPath()}`);
  };

  /** Calls a callback-style client method and returns its (error, ...results). */
  call<T extends unknown[]>(fn: (cb: (err: Error | null, ...res: T) => void) => void): Promise<[Error | null, ...T]> {
    return new Promise((resolve) => fn((err, ...res) => resolve([err, ...res])));
  }

  sessionId(): string {
    return `<session:0x${this.client.getSessionId().toString('hex')}>`;
  }
}

const zxid = (b: Buffer) => `<zxid:0x${b.toString('hex')}>`;

function fmtStat(s: Stat | null | undefined): string {
  if (!s) return 'null';
  const owner = s.ephemeralOwner.toString('hex');
  return `stat(czxid=${zxid(s.czxid)} mzxid=${zxid(s.mzxid)} pzxid=${zxid(s.pzxid)} version=${s.version} ` +
    `cversion=${s.cversion} aversion=${s.aversion} owner=${/^0+$/.test(owner) ? '0' : `<session:0x${owner}>`} ` +
    `dataLength=${s.dataLength} numChildren=${s.numChildren})`;
}

function errName(err: Error & { name?: string }): string {
  return err.name && err.name !== 'Error' ? err.name : err.message;
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The scenario: plain ops, ACLs and transactions through node-zookeeper-client, then watches that must
 * survive a dropped connection: the client reconnects to its session and re-sends them with setWatches.
 */
export async function nodeClientTranscript(target: Target): Promise<string> {
  const out: string[] = [];
  const R = '/nzk';
  const a = await NodeSession.open('a', target);
  const b = await NodeSession.open('b', target);
  const { CreateMode, ACL, Id, Permission } = zookeeper;
  const open = ACL.OPEN_ACL_UNSAFE;
  const step = async (label: string, p: Promise<[Error | null, ...unknown[]]>, show: (...r: any[]) => string = () => 'ok') => {
    const [err, ...res] = await p;
    out.push(err ? `${label} !! ${errName(err)}` : `${label} -> ${show(...res)}`);
  };
  const flushEvents = async (s: NodeSession, count: number) => {
    await waitFor(() => s.events.length >= count, `${count} events for ${s.name}`);
    out.push(...s.events.splice(0));
  };
  try {
    await step('create root', a.call((cb) => a.client.create(R, Buffer.from('r'), open, CreateMode.PERSISTENT, cb)), (p) => p);
    await step('create ephemeral sequential', a.call((cb) => a.client.create(`${R}/e-`, null, open, CreateMode.EPHEMERAL_SEQUENTIAL, cb)), (p) => p);
    await step('create existing', a.call((cb) => a.client.create(R, null, open, CreateMode.PERSISTENT, cb)));
    await step('create data node', a.call((cb) => a.client.create(`${R}/d`, Buffer.from('v1'), open, CreateMode.PERSISTENT, cb)), (p) => p);
    await step('getData', a.call((cb) => a.client.getData(`${R}/d`, undefined, cb)), (d: Buffer, s: Stat) => `${d.toString()} ${fmtStat(s)}`);
    await step('setData bad version', a.call((cb) => a.client.setData(`${R}/d`, Buffer.from('x'), 5, cb)));
    await step('exists missing', a.call((cb) => a.client.exists(`${R}/none`, undefined, cb)), (s) => fmtStat(s));
    await step('getACL', a.call((cb) => a.client.getACL(R, cb)), (acls: zookeeper.ACL[]) =>
      acls.map((x) => `${x.permission}:${x.id.scheme}:${x.id.id}`).join(','));
    await step('setACL read-only', a.call((cb) => a.client.setACL(`${R}/d`, [new ACL(Permission.READ, new Id('world', 'anyone'))], -1, cb)), (s) => fmtStat(s));
    await step('setData on read-only', a.call((cb) => a.client.setData(`${R}/d`, Buffer.from('x'), -1, cb)));
    await step('setACL back (no ADMIN)', a.call((cb) => a.client.setACL(`${R}/d`, open, -1, cb)));
    await step('transaction', a.call((cb) => a.client.transaction().create(`${R}/t`).check(`${R}/t`, 0)
      .setData(`${R}/t`, Buffer.from('t'), 0).commit(cb as never)), (res: Array<{ type: number; path?: string }>) =>
      res.map((r) => `${r.type}${r.path ? `:${r.path}` : ''}`).join(' '));
    // check(path, 0) would go out as version -1: the client turns a falsy version into -1.
    await step('failing transaction', a.call((cb) => a.client.transaction().create(`${R}/u`).check(`${R}/t`, 5)
      .commit(cb as never)));
    await step('nothing applied', a.call((cb) => a.client.exists(`${R}/u`, undefined, cb)), (s) => fmtStat(s));

    // Watches across a dropped connection: re-registered with setWatches when the session reconnects.
    await step('create watched node', a.call((cb) => a.client.create(`${R}/w`, Buffer.from('w1'), open, CreateMode.PERSISTENT, cb)), (p) => p);
    await step('a: data watch', a.call((cb) => a.client.getData(`${R}/w`, a.watcher, cb)), (d: Buffer) => d.toString());
    await step('a: exists watch on missing', a.call((cb) => a.client.exists(`${R}/later`, a.watcher, cb)), (s) => fmtStat(s));
    await step('a: child watch', a.call((cb) => a.client.getChildren(`${R}/t`, a.watcher, cb)), (c: string[]) => c.join(','));
    const before = a.sessionId();
    let disconnects = 0;
    let reconnects = 0;
    a.client.on('state', (s) => {
      if (s.name === 'DISCONNECTED') disconnects++;
      if (s.name === 'SYNC_CONNECTED') reconnects++;
    });
    a.client.connectionManager.socket?.destroy();
    await waitFor(() => disconnects > 0 && reconnects > 0, 'a to reconnect after its connection dropped');
    out.push(`a: same session after reconnect: ${a.sessionId() === before}`);
    await step('b: set watched', b.call((cb) => b.client.setData(`${R}/w`, Buffer.from('w2'), -1, cb)), (s) => fmtStat(s));
    await step('b: create watched', b.call((cb) => b.client.create(`${R}/later`, null, open, CreateMode.PERSISTENT, cb)), (p) => p);
    await step('b: create child', b.call((cb) => b.client.create(`${R}/t/k`, null, open, CreateMode.PERSISTENT, cb)), (p) => p);
    await flushEvents(a, 3);
    await new Promise((r) => setTimeout(r, 300));
    out.push(...a.events.splice(0), 'done');
  } finally {
    a.client.close();
    b.client.close();
  }
  return normalizeTranscript(out.join('\n'));
}
