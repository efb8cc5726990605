// An application's view of a disruption: one client of the project's own library, connected through a connect
// string naming every member (hosts shuffled, as ZooKeeper's clients do; after a lost connection it resumes its
// session on the next host). It creates a node and reads it back, one request at a time and without retries, and
// records each outcome, so a run can be judged afterwards: which operations failed, which failed writes were
// applied anyway (ambiguous), whether an acknowledged write went missing or a read missed the session's own write.
import { ZooKeeperClient, ZooKeeperError } from '../../client/src/index.js';
import { now } from './clock.js';
import type { Endpoint } from './loadgen/messages.js';
import type { WriteRecord } from './write-loop.js';

/** Long enough for any election here; a real application often has no request timeout at all. */
const REQUEST_TIMEOUT_MS = 10_000;
const SESSION_TIMEOUT_MS = 10_000;

export interface OpRecord extends WriteRecord {
  kind: 'write' | 'read';
  /** The write's sequence number; for a read, the write it reads back. */
  seq: number;
  /** The member the client was connected to when it sent the request (undefined while it was reconnecting). */
  server?: string;
}

export interface Audit {
  writes: number;
  reads: number;
  failedWrites: number;
  failedReads: number;
  /** Failed writes (connection loss or timeout) whose node exists afterwards: the client cannot know they took. */
  ambiguousApplied: number;
  /** Acknowledged writes whose node is missing afterwards. */
  lostAcknowledged: number;
  /** Reads that did not find the session's last acknowledged write (no node, or other data). */
  readsMissingOwnWrite: number;
  /** Each failure's error name, with how often it occurred. */
  errors: Map<string, number>;
}

const connectString = (endpoints: Endpoint[]) => endpoints.map((e) => `${e.host}:${e.port}`).join(',');
const errorName = (err: unknown) => (err instanceof ZooKeeperError ? err.codeName : (err as Error).message);
/** The node of write `seq`. */
const nodeOf = (root: string, seq: number) => `${root}/w${seq}`;

export class AppClient {
  readonly records: OpRecord[] = [];
  /** Times the client lost its connection and moved on. */
  disconnects = 0;
  private stopped = false;
  private readonly done: Promise<void>;

  private constructor(private readonly client: ZooKeeperClient, private readonly root: string) {
    client.on('state', (state: string) => {
      if (state === 'disconnected') this.disconnects++;
    });
    this.done = this.run();
  }

  /** Connects and starts writing under `root`, which must exist. */
  static async start(endpoints: Endpoint[], root: string): Promise<AppClient> {
    const client = await ZooKeeperClient.connect(connectString(endpoints), { sessionTimeout: SESSION_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS });
    return new AppClient(client, root);
  }

  async stop(): Promise<OpRecord[]> {
    this.stopped = true;
    await this.done;
    await this.client.close();
    return this.records;
  }

  private async run(): Promise<void> {
    let acked = -1;
    for (let seq = 0; !this.stopped && !this.client.state.match(/expired|auth-failed|closed/); seq++) {
      if (await this.op('write', seq, () => this.client.create(nodeOf(this.root, seq), Buffer.from(String(seq))))) acked = seq;
      if (acked < 0 || this.stopped) continue;
      const want = acked;
      await this.op('read', want, async () => {
        const { data } = await this.client.getData(nodeOf(this.root, want));
        if (data?.toString() !== String(want)) throw new Error(`read ${data?.toString()} instead of ${want}`);
      });
    }
  }

  /** Runs one request and records it; true when it succeeded. */
  private async op(kind: OpRecord['kind'], seq: number, request: () => Promise<unknown>): Promise<boolean> {
    const server = this.client.currentServer;
    const sentAt = now();
    try {
      await request();
      this.records.push({ kind, seq, sentAt, endedAt: now(), ok: true, ...(server ? { server } : {}) });
      return true;
    } catch (err) {
      this.records.push({ kind, seq, sentAt, endedAt: now(), ok: false, error: errorName(err), ...(server ? { server } : {}) });
      return false;
    }
  }
}

/** Compares what the client was told with what the ensemble holds under `root` afterwards (read on a fresh session). */
export async function audit(endpoints: Endpoint[], root: string, records: OpRecord[]): Promise<Audit> {
  const checker = await ZooKeeperClient.connect(connectString(endpoints), { sessionTimeout: SESSION_TIMEOUT_MS });
  let present: Set<string>;
  try {
    await checker.sync(root);
    present = new Set(await checker.getChildren(root));
  } finally {
    await checker.close();
  }
  const writes = records.filter((r) => r.kind === 'write');
  const reads = records.filter((r) => r.kind === 'read');
  const exists = (r: OpRecord) => present.has(nodeOf('', r.seq).slice(1));
  const errors = new Map<string, number>();
  for (const r of records) if (r.error) errors.set(r.error, (errors.get(r.error) ?? 0) + 1);
  return {
    writes: writes.length,
    reads: reads.length,
    failedWrites: writes.filter((r) => !r.ok).length,
    failedReads: reads.filter((r) => !r.ok).length,
    ambiguousApplied: writes.filter((r) => !r.ok && exists(r)).length,
    lostAcknowledged: writes.filter((r) => r.ok && !exists(r)).length,
    readsMissingOwnWrite: reads.filter((r) => r.error === 'NONODE' || r.error?.startsWith('read ')).length,
    errors,
  };
}
