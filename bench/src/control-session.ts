// The coordinator's own session: sets up the data a scenario needs, makes changes the generators observe, and
// probes latency while they work.
import { OpCode, Perms, type ClientRequest } from '../../protocol/src/index.js';
import { now, sleep } from './clock.js';
import { Histogram } from './histogram.js';
import type { Endpoint } from './loadgen/messages.js';
import { RawSession } from './loadgen/session.js';

const OPEN_ACL = [{ perms: Perms.All, id: { scheme: 'world', id: 'anyone' } }];

export class ControlSession {
  private constructor(private readonly session: RawSession) {}

  static async open(endpoint: Endpoint, maxFrame: number): Promise<ControlSession> {
    const session = new RawSession({ ...endpoint, timeoutMs: 30_000, maxFrame });
    await session.open();
    return new ControlSession(session);
  }

  /** Sends a request and resolves with its error code (0 = ok). */
  call(req: ClientRequest): Promise<number> {
    return new Promise((resolve) => this.session.request(req, (err) => resolve(err)));
  }

  async mustCall(req: ClientRequest, what: string): Promise<void> {
    const err = await this.call(req);
    if (err !== 0) throw new Error(`${what}: ZooKeeper error ${err}`);
  }

  create(path: string, data: Buffer): Promise<void> {
    return this.mustCall({ type: OpCode.Create, path, data, acl: OPEN_ACL, flags: 0 }, `create ${path}`);
  }

  setData(path: string, data: Buffer): Promise<void> {
    return this.mustCall({ type: OpCode.SetData, path, data, version: -1 }, `setData ${path}`);
  }

  /**
   * Reads `path` in a loop, one request at a time, until `stop` resolves; returns the latencies (µs) of the
   * reads sent from `from` on. A read that fails counts as lasting until its failure.
   */
  async probe(path: string, stop: Promise<unknown>, from = 0): Promise<Histogram> {
    const latency = new Histogram();
    let stopped = false;
    void stop.then(() => (stopped = true));
    while (!stopped) {
      const sentAt = now();
      const err = await this.call({ type: OpCode.GetData, path, watch: false });
      if (sentAt >= from) latency.record((now() - sentAt) * 1000);
      if (err !== 0 && !this.session.alive) break;
      if (err !== 0) await sleep(1);
    }
    return latency;
  }

  close(): Promise<void> {
    return this.session.close();
  }

  /** Drops the connection without closing the session. */
  destroy(): void {
    this.session.destroy();
  }
}
