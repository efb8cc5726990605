// Service discovery across regional clusters: "advertise locally, look up globally". Instances register as
// ephemeral nodes on their own region's cluster only (no cross-region writes, no WAN session keeping them
// alive). Lookups ask the local cluster first and then the remote ones in a fixed order; remote sessions are
// opened on demand and closed after an idle period, so idle regions cost no WAN heartbeats.
import { CreateMode } from 'corral/protocol';
import { ZooKeeperClient } from '../client.js';
import { NodeExistsError, NoNodeError } from '../errors.js';
import type { ClientState, Data } from '../types.js';
import { childPath, createWithParents, deleteIfExists } from './nodes.js';
import { retrying } from './transient.js';

export interface Region {
  name: string;
  connectString: string;
}

export interface ServiceDiscoveryOptions {
  /** The cluster of this process's own region: advertisements go here, lookups start here. */
  local: Region;
  /** Other regions, in the order lookups fall back to them. */
  remotes: readonly Region[];
  /** Folder holding `<service>/<instance id>` nodes. Default '/services'. */
  basePath?: string;
  /** A remote session unused for this many ms is closed. Default 60000. */
  idleTimeout?: number;
  /** A region that does not answer (or connect) within this many ms is skipped. Default 5000. */
  requestTimeout?: number;
  /** Session timeout for every cluster. Default 30000. */
  sessionTimeout?: number;
}

export interface ServiceInstance {
  id: string;
  data: Buffer | null;
}

export interface LookupResult {
  /** The region that answered with instances; undefined when no reachable region has any. */
  region: string | undefined;
  instances: ServiceInstance[];
  /** Regions asked before the answer that could not be reached (their instances, if any, are unknown). */
  unreachable: string[];
}

export interface Advertisement {
  readonly service: string;
  readonly id: string;
  /** Removes the instance; it also disappears by itself when this process's local session ends. */
  withdraw(): Promise<void>;
}

interface RemoteSession {
  client: Promise<ZooKeeperClient>;
  /** Lookups using the session right now; the idle timer only runs while this is 0. */
  busy: number;
  idleTimer: NodeJS.Timeout | undefined;
}

/**
 * @example
 * const discovery = new ServiceDiscovery({
 *   local: { name: 'eu', connectString: 'zk-eu:2181' },
 *   remotes: [{ name: 'us', connectString: 'zk-us:2181' }, { name: 'ap', connectString: 'zk-ap:2181' }],
 *   idleTimeout: 120_000,
 * });
 * await discovery.start();
 * await discovery.advertise('billing', 'billing-eu-1', JSON.stringify({ host: '10.1.0.7', port: 8443 }));
 * const { region, instances } = await discovery.lookup('search'); // eu first, then us, then ap
 * await discovery.close();
 */
export class ServiceDiscovery {
  private local: ZooKeeperClient | undefined;
  private readonly remotes = new Map<string, RemoteSession>();
  private readonly advertised = new Map<string, { service: string; id: string; data: Data }>();
  private closed = false;
  private readonly basePath: string;
  private readonly idleTimeout: number;
  private readonly requestTimeout: number;
  private readonly sessionTimeout: number;

  constructor(private readonly options: ServiceDiscoveryOptions) {
    this.basePath = options.basePath ?? '/services';
    this.idleTimeout = options.idleTimeout ?? 60_000;
    this.requestTimeout = options.requestTimeout ?? 5000;
    this.sessionTimeout = options.sessionTimeout ?? 30_000;
  }

  /** Connects to the local cluster. */
  async start(): Promise<void> {
    this.local ??= await this.connectLocal();
  }

  /** Regions whose remote session is open (or opening). */
  get openRemoteRegions(): string[] {
    return [...this.remotes.keys()];
  }

  /** Registers an instance on the local cluster; after a session expiry it is registered again. */
  async advertise(service: string, id: string, data: Data = null): Promise<Advertisement> {
    const key = childPath(service, id);
    const entry = { service, id, data };
    await this.register(this.localClient(), entry);
    this.advertised.set(key, entry);
    return {
      service,
      id,
      withdraw: async () => {
        this.advertised.delete(key);
        await deleteIfExists(this.localClient(), this.instancePath(service, id));
      },
    };
  }

  /** Instances of `service` from the first region (local, then remotes in order) that has any. */
  async lookup(service: string): Promise<LookupResult> {
    const unreachable: string[] = [];
    const regions = [this.options.local, ...this.options.remotes];
    for (const region of regions) {
      let instances: ServiceInstance[];
      try {
        instances =
          region === this.options.local
            ? await this.instancesOn(this.localClient(), service)
            : await this.withRemote(region, (client) => this.instancesOn(client, service));
      } catch {
        unreachable.push(region.name);
        continue;
      }
      if (instances.length > 0) return { region: region.name, instances, unreachable };
    }
    return { region: undefined, instances: [], unreachable };
  }

  /** Closes every session (withdrawing this process's instances with the local one). */
  async close(): Promise<void> {
    this.closed = true;
    const remotes = [...this.remotes.keys()];
    await Promise.all(remotes.map((name) => this.closeRemote(name)));
    await this.local?.close();
  }

  private localClient(): ZooKeeperClient {
    if (!this.local) throw new Error('ServiceDiscovery.start() has not been called');
    return this.local;
  }

  private async connectLocal(): Promise<ZooKeeperClient> {
    const client = await ZooKeeperClient.connect(this.options.local.connectString, this.clientOptions());
    client.on('state', (state: ClientState) => {
      if (state === 'expired' && !this.closed) void this.replaceExpiredLocal();
    });
    return client;
  }

  /** The local session expired, taking our instances with it: open a new one and advertise them again. */
  private async replaceExpiredLocal(): Promise<void> {
    for (;;) {
      try {
        this.local = await this.connectLocal();
        break;
      } catch {
        if (this.closed) return;
      }
    }
    for (const entry of this.advertised.values()) await this.register(this.local, entry).catch(() => undefined);
  }

  private async register(client: ZooKeeperClient, entry: { service: string; id: string; data: Data }): Promise<void> {
    const path = this.instancePath(entry.service, entry.id);
    try {
      await createWithParents(client, path, entry.data, CreateMode.Ephemeral);
    } catch (err) {
      // Our own node if a lost reply made us retry; another session's means a duplicate instance id.
      if (!(err instanceof NodeExistsError) || (await retrying(() => client.exists(path)))?.ephemeralOwner !== client.sessionId) throw err;
    }
  }

  private async instancesOn(client: ZooKeeperClient, service: string): Promise<ServiceInstance[]> {
    const dir = childPath(this.basePath, service);
    let ids: string[];
    try {
      ids = (await client.getChildren(dir)).sort();
    } catch (err) {
      if (err instanceof NoNodeError) return [];
      throw err;
    }
    const reads = await Promise.all(
      ids.map((id) =>
        client.getData(childPath(dir, id)).then(
          ({ data }): ServiceInstance => ({ id, data }),
          (err: unknown) => {
            if (err instanceof NoNodeError) return undefined; // withdrawn meanwhile
            throw err;
          },
        ),
      ),
    );
    return reads.filter((i): i is ServiceInstance => i !== undefined);
  }

  /** Runs `use` with the region's session, opening it if needed and restarting its idle clock afterwards. */
  private async withRemote<T>(region: Region, use: (client: ZooKeeperClient) => Promise<T>): Promise<T> {
    let session = this.remotes.get(region.name);
    if (!session) {
      session = { client: this.connectRemote(region), busy: 0, idleTimer: undefined };
      this.remotes.set(region.name, session);
    }
    clearTimeout(session.idleTimer);
    session.busy++;
    try {
      return await use(await session.client);
    } catch (err) {
      // A region that fails is not kept open: the next lookup connects afresh.
      await this.closeRemote(region.name);
      throw err;
    } finally {
      session.busy--;
      if (session.busy === 0 && this.remotes.get(region.name) === session) {
        session.idleTimer = setTimeout(() => void this.closeRemote(region.name), this.idleTimeout);
        session.idleTimer.unref();
      }
    }
  }

  private async connectRemote(region: Region): Promise<ZooKeeperClient> {
    const client = await ZooKeeperClient.connect(region.connectString, this.clientOptions());
    client.on('state', (state: ClientState) => {
      if (state === 'expired' || state === 'auth-failed') void this.closeRemote(region.name);
    });
    return client;
  }

  private async closeRemote(name: string): Promise<void> {
    const session = this.remotes.get(name);
    if (!session) return;
    this.remotes.delete(name);
    clearTimeout(session.idleTimer);
    await session.client.then((c) => c.close(), () => undefined);
  }

  private clientOptions() {
    return { sessionTimeout: this.sessionTimeout, requestTimeout: this.requestTimeout, connectTimeout: this.requestTimeout };
  }

  private instancePath(service: string, id: string): string {
    return childPath(childPath(this.basePath, service), id);
  }
}
