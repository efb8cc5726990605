// The operator's ZooKeeper session with one cluster, as the super user: reconfig and quotas go through the
// client protocol like any administrator's zkCli would. Members are dialled by pod IP (the operator may run
// outside the cluster's DNS); the session is rebuilt when the set of member addresses changes.
import { CreateMode, LIMIT_NODE, NO_LIMITS, parseLimits, QUOTA_PATH } from 'corral/protocol';
import { ZooKeeperClient } from '../../../client/src/client.js';
import { delQuota, setQuota } from '../../../client/src/cli/quota.js';
import { subtree } from '../../../client/src/cli/tree.js';
import { ensurePath } from '../../../client/src/recipes/nodes.js';
import { MEMBER_PORTS } from '../api/index.js';
import { memberHost } from '../plan/names.js';
import type { Quota, ReconfigChange } from '../plan/types.js';
import { SUPER_USER } from '../render/objects.js';

/** Operator requests are short; a member that does not answer in this time is retried on the next plan. */
const REQUEST_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 5_000;

export class EnsembleSession {
  private client: ZooKeeperClient | undefined;
  private connectString = '';

  constructor(
    private readonly cluster: string,
    private readonly namespace: string,
    private readonly password: () => Promise<string>,
  ) {}

  /** A connected client for these member addresses (a new session when they changed). */
  private async connected(podIPs: readonly string[]): Promise<ZooKeeperClient> {
    const connectString = [...podIPs].sort().map((ip) => `${ip}:${MEMBER_PORTS.client}`).join(',');
    if (connectString === '') throw new Error('no member has an address yet');
    if (this.client && connectString === this.connectString) return this.client;
    await this.close();
    const client = await ZooKeeperClient.connect(connectString, { connectTimeout: CONNECT_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, sessionTimeout: 30_000 });
    try {
      await client.addAuth('digest', `${SUPER_USER}:${await this.password()}`);
    } catch (err) {
      await client.close();
      throw err;
    }
    this.client = client;
    this.connectString = connectString;
    return client;
  }

  /** Runs `op`, dropping the session after a failure so the next attempt starts afresh. */
  private async run<T>(podIPs: readonly string[], op: (zk: ZooKeeperClient) => Promise<T>): Promise<T> {
    const zk = await this.connected(podIPs);
    try {
      return await op(zk);
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  reconfig(podIPs: readonly string[], change: ReconfigChange): Promise<void> {
    return this.run(podIPs, async (zk) => {
      if (change.op === 'remove') {
        await zk.reconfig({ leaving: String(change.serverId) });
      } else {
        const host = memberHost(this.cluster, this.namespace, change.serverId);
        const line = `server.${change.serverId}=${host}:${MEMBER_PORTS.quorum}:${MEMBER_PORTS.election}:${change.role};${MEMBER_PORTS.client}`;
        await zk.reconfig({ joining: line });
      }
    });
  }

  /** The hard quotas set in the ensemble now (soft ones, which Corral does not enforce, are ignored). */
  readQuotas(podIPs: readonly string[]): Promise<Quota[]> {
    return this.run(podIPs, async (zk) => {
      const quotas: Quota[] = [];
      for (const node of await subtree(zk, QUOTA_PATH)) {
        if (!node.endsWith(`/${LIMIT_NODE}`)) continue;
        const limits = parseLimits((await zk.getData(node)).data);
        const path = node.slice(QUOTA_PATH.length, -LIMIT_NODE.length - 1) || '/';
        quotas.push({
          path,
          ...(limits.countHardLimit >= 0 ? { maxNodes: limits.countHardLimit } : {}),
          ...(limits.byteHardLimit >= 0 ? { maxBytes: limits.byteHardLimit } : {}),
        });
      }
      return quotas;
    });
  }

  /** Sets the hard limits of a quota (creating the path first: declaring a quota declares the subtree). */
  setQuota(podIPs: readonly string[], quota: Quota): Promise<void> {
    return this.run(podIPs, async (zk) => {
      if ((await zk.exists(quota.path)) === null) await ensurePath(zk, quota.path, CreateMode.Persistent);
      await setQuota(zk, quota.path, { ...NO_LIMITS, countHardLimit: quota.maxNodes ?? -1, byteHardLimit: quota.maxBytes ?? -1 });
    });
  }

  removeQuota(podIPs: readonly string[], path: string): Promise<void> {
    return this.run(podIPs, (zk) => delQuota(zk, path, []));
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.connectString = '';
    await client?.close().catch(() => {});
  }
}
