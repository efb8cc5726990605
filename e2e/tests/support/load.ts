import { chmodSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ZooKeeperClient } from '../../../client/src/client.js';
import { stateDir } from './bed.js';
import { kubectl } from './kubectl.js';
import { applyObjects, scriptPod, waitForPod, waitForPodGone } from './pods.js';
import { waitUntil } from './wait.js';

/**
 * Client load through a cluster's connect string, as an application in the cluster runs it: a pod of the member
 * image (which has the client under /app/dist) resolves the members' DNS names, creates one znode after another
 * under its own parent and reads each back in the same session, and appends every outcome to a file on a
 * hostPath volume. The test reads that record after stopping the pod and checks that no acknowledged write is
 * missing from the ensemble. Bed only (the record is read from the host's disk).
 */

/** Runs in the pod: write, read back, record every outcome; on SIGTERM mark the end and exit. */
const SCRIPT = `
const fs = require('fs');
const record = (line) => fs.appendFileSync('/record/log', line + '\\n');
let stopping = false;
// Stop: the write in flight may still be acknowledged (and recorded after 'end'); exit within the grace period
// even if the client is in the middle of reconnecting.
process.on('SIGTERM', () => { stopping = true; record('end ' + Date.now()); setTimeout(() => process.exit(0), 3000); });
(async () => {
  const { ZooKeeperClient, NodeExistsError, SessionExpiredError } = await import('/app/dist/client/src/index.js');
  const parent = process.env.LOAD_PARENT;
  const connect = () => ZooKeeperClient.connect(process.env.CONNECT_STRING, { sessionTimeout: 10000, connectTimeout: 60000, requestTimeout: 8000 });
  let zk = await connect();
  try { await zk.create(parent, null); } catch (e) { if (!(e instanceof NodeExistsError)) throw e; }
  record('start ' + Date.now());
  for (let i = 1; !stopping; i++) {
    const path = parent + '/w-' + i;
    const t0 = Date.now();
    try {
      await zk.create(path, Buffer.from(String(i)));
      record('ok ' + i + ' ' + t0 + ' ' + Date.now());
      const { data } = await zk.getData(path);
      if (data?.toString() !== String(i)) record('readmismatch ' + i + ' ' + data);
    } catch (e) {
      record('fail ' + i + ' ' + t0 + ' ' + Date.now() + ' ' + (e.name || '') + ': ' + String(e.message).replace(/\\s+/g, ' '));
      // A new session after expiry; earlier acknowledged writes must still be there (checked by the test).
      if (e instanceof SessionExpiredError || zk.state === 'expired' || zk.state === 'closed') { await zk.close().catch(() => {}); zk = await connect(); }
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  await zk.close().catch(() => {});
  process.exit(0);
})().catch((e) => { record('crash ' + String(e && e.stack || e).replace(/\\s+/g, ' ')); process.exit(1); });
`;

export interface LoadReport {
  /** Writes the ensemble acknowledged, by sequence number. */
  acked: number[];
  /** Writes that failed (connection loss, timeout...): their outcome is unknown, not lost. */
  failed: string[];
  /** Reads of an acknowledged write, in the session that wrote it, that did not return it. */
  readMismatches: string[];
  /** The longest time between one acknowledged write and the next (write unavailability as a client sees it). */
  longestGapMs: number;
  durationMs: number;
}

export class ClientLoad {
  private constructor(
    private readonly ns: string,
    private readonly pod: string,
    private readonly dir: string,
    /** The znode the writes go under. */
    readonly parent: string,
  ) {}

  /**
   * Starts the load pod on `node` (pinned, so a test can take other nodes down) and resolves once it has
   * written its first record line (its session is up).
   */
  static async start(ns: string, connectString: string, name = 'load', node = 'corral-node-1'): Promise<ClientLoad> {
    const dir = join(stateDir, 'load', `${ns}-${name}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    // The pod runs as the image's user (uid 1000); volume directories on the bed are world-writable.
    chmodSync(dir, 0o777);
    const load = new ClientLoad(ns, name, dir, `/${name}`);
    const pod = scriptPod(
      name,
      SCRIPT,
      {
        env: [
          { name: 'CONNECT_STRING', value: connectString },
          { name: 'LOAD_PARENT', value: load.parent },
        ],
        volumeMounts: [{ name: 'record', mountPath: '/record' }],
      },
      { nodeName: node, restartPolicy: 'Never', volumes: [{ name: 'record', hostPath: { path: dir, type: 'Directory' } }] },
    );
    await applyObjects(ns, pod);
    await waitForPod(ns, name, 'running', (p) => p.status?.phase === 'Running' || p.status?.phase === 'Failed', 120_000);
    await waitUntil(`load pod ${name} writing`, async () => load.lines().some((l) => l.startsWith('ok ') || l.startsWith('crash')), { timeoutMs: 60_000 });
    return load;
  }

  private lines(): string[] {
    try {
      return readFileSync(join(this.dir, 'log'), 'utf8').split('\n').filter((l) => l !== '');
    } catch {
      return [];
    }
  }

  /** Acknowledged writes so far (to wait for load to flow after a step). */
  ackedSoFar(): number {
    return this.lines().filter((l) => l.startsWith('ok ')).length;
  }

  /** Stops the pod (SIGTERM: it finishes the write in flight) and reads its record. */
  private async stop(): Promise<LoadReport> {
    await kubectl(['delete', 'pod', this.pod, '-n', this.ns, '--wait=false']);
    await waitForPodGone(this.ns, this.pod, 60_000);
    const lines = this.lines();
    const crash = lines.find((l) => l.startsWith('crash'));
    if (crash) throw new Error(`load pod ${this.pod} crashed: ${crash}`);
    if (!lines.some((l) => l.startsWith('end '))) throw new Error(`load pod ${this.pod} did not finish its record (last: ${lines.at(-1)})`);
    const oks = lines.filter((l) => l.startsWith('ok ')).map((l) => l.split(' ').map(Number));
    let longestGapMs = 0;
    for (let i = 1; i < oks.length; i++) longestGapMs = Math.max(longestGapMs, oks[i]![3]! - oks[i - 1]![3]!);
    const start = Number(lines.find((l) => l.startsWith('start '))!.split(' ')[1]);
    const end = Number(lines.find((l) => l.startsWith('end '))!.split(' ')[1]);
    return {
      acked: oks.map((o) => o[1]!),
      failed: lines.filter((l) => l.startsWith('fail ')),
      readMismatches: lines.filter((l) => l.startsWith('readmismatch ')),
      longestGapMs,
      durationMs: end - start,
    };
  }

  /**
   * Stops the load and reads back every acknowledged write through a client from `connect`: returns the report
   * and the acknowledged writes the ensemble does not hold with the value written (none, if nothing was lost).
   */
  async stopAndVerify(connect: () => Promise<ZooKeeperClient>): Promise<{ report: LoadReport; lost: number[] }> {
    const report = await this.stop();
    const zk = await connect();
    try {
      await zk.sync(this.parent);
      const present = new Set(await zk.getChildren(this.parent));
      const values = await Promise.all(
        report.acked.filter((i) => present.has(`w-${i}`)).map(async (i) => [i, (await zk.getData(`${this.parent}/w-${i}`)).data?.toString()] as const),
      );
      const lost = [...report.acked.filter((i) => !present.has(`w-${i}`)), ...values.filter(([i, v]) => v !== String(i)).map(([i]) => i)];
      return { report, lost: lost.sort((a, b) => a - b) };
    } finally {
      await zk.close();
    }
  }

  /** One line for the test log. */
  static summary(r: LoadReport): string {
    return `${r.acked.length} writes acknowledged in ${(r.durationMs / 1000).toFixed(1)} s, ${r.failed.length} failed, longest gap between acknowledged writes ${r.longestGapMs} ms`;
  }
}
