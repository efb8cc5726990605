// A loopback TCP proxy for client tests: gives one server several addresses (so "another host" can be
// simulated), counts the connections each address accepted, and can cut or stall them on demand.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  address: string;
  /** Client connections accepted so far. */
  accepted: number;
  /** Destroys every open connection through this proxy (both sides). */
  dropAll(): void;
  /** While stalled, bytes from the client are held back and nothing reaches the server. */
  stall(on: boolean): void;
  close(): Promise<void>;
}

export async function startProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let stalled = false;
  const held: (() => void)[] = [];
  const server: Server = createServer((client) => {
    proxy.accepted++;
    const upstream = connect({ host: targetHost, port: targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (d) => {
      if (stalled) held.push(() => upstream.write(d));
      else upstream.write(d);
    });
    upstream.on('data', (d) => client.write(d));
    for (const s of pair) {
      s.on('error', end);
      s.on('close', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const proxy: TcpProxy = {
    port,
    address: `127.0.0.1:${port}`,
    accepted: 0,
    dropAll() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
    },
    stall(on) {
      stalled = on;
      if (!on) for (const flush of held.splice(0)) flush();
    },
    async close() {
      proxy.dropAll();
      await new Promise((r) => server.close(r));
    },
  };
  return proxy;
}
