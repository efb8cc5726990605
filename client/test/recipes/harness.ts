// Per-suite plumbing for the recipe tests: one server of the given kind, clients that are closed after each
// test, fresh paths, and a way to expire a session on demand.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { ZooKeeperClient, type ClientOptions } from '../../src/index.js';
import { startProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { startClientTarget, waitFor, type Target, type TargetKind } from '../helpers/targets.js';

export interface Harness {
  readonly target: Target;
  /** A connected client (closed after the test); `expirable` routes it through a proxy so expire() works. */
  connect(options?: ClientOptions & { expirable?: boolean }): Promise<ZooKeeperClient>;
  /** A path no other test uses. */
  path(name: string): string;
  /** Ends an expirable client's session on the server and waits until the client reports 'expired'. */
  expire(client: ZooKeeperClient): Promise<void>;
}

export function useTarget(kind: TargetKind): Harness {
  let target: Target | undefined;
  const clients: ZooKeeperClient[] = [];
  const proxies = new Map<ZooKeeperClient, TcpProxy>();
  let n = 0;
  beforeAll(async () => {
    target = await startClientTarget(kind);
  });
  afterAll(async () => {
    await target?.stop();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all([...proxies.values()].map((p) => p.close()));
    proxies.clear();
  });
  const harness: Harness = {
    get target() {
      return target!;
    },
    async connect(options = {}) {
      const { expirable, ...clientOptions } = options;
      const proxy = expirable ? await startProxy(target!.host, target!.port) : undefined;
      const c = new ZooKeeperClient(proxy?.address ?? target!.connectString, { sessionTimeout: 4000, ...clientOptions });
      clients.push(c);
      if (proxy) proxies.set(c, proxy);
      await c.connect();
      return c;
    },
    path(name) {
      return `/recipes-${kind}-${process.pid}-${++n}/${name}`;
    },
    async expire(client) {
      const proxy = proxies.get(client);
      if (!proxy) throw new Error('expire() needs a client made with { expirable: true }');
      // Hold the client off while a twin takes over its session and closes it; then let it reconnect.
      proxy.stall(true);
      proxy.dropAll();
      const twin = new ZooKeeperClient(target!.connectString, { sessionId: client.sessionId, sessionPassword: client.sessionPassword });
      await twin.connect();
      await twin.close();
      proxy.stall(false);
      await waitFor(() => client.state === 'expired', 'the session to expire');
    },
  };
  return harness;
}
