// Starting and stopping the admin surface's HTTP servers.
import type { Server } from 'node:http';

export interface RunningServer {
  /** The bound port (useful when configured as 0). */
  port: number;
  close(): Promise<void>;
}

export function listen(server: Server, host: string, port: number): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : port,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((err) => (err ? fail(err) : done()));
            // Scrapers and browsers keep connections alive; do not wait for them to leave.
            server.closeAllConnections();
          }),
      });
    });
  });
}
