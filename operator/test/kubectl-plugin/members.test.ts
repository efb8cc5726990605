// The script `kubectl corral` runs with node inside a member pod (--via exec) to reach the member's AdminServer:
// run here with this node against a local server, as kubectl exec would run it there.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FETCH_SCRIPT } from '../../src/kubectl-plugin/members.js';
import { runProgram } from '../../../test-support/processes.js';

describe('kubectl corral: the in-pod fetch script', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/commands/members') res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"members":[]}');
      else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end('late'), 3000);
      else res.writeHead(404).end('{"error":"no such command"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const run = (url: string, timeoutMs = 5000) => runProgram(process.execPath, ['-e', FETCH_SCRIPT, url, String(timeoutMs)], { timeoutMs: 15_000 });

  it('prints the answer and exits 0', async () => {
    expect(await run(`${base}/commands/members`)).toMatchObject({ code: 0, stdout: '{"members":[]}', stderr: '' });
  });

  it('prints an error status body and exits 3', async () => {
    expect(await run(`${base}/commands/nope`)).toMatchObject({ code: 3, stdout: '{"error":"no such command"}' });
  });

  it('exits 4 with the reason when there is no answer', async () => {
    // A port nothing listens on any more.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await run(`http://127.0.0.1:${port}/commands/members`);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/ECONNREFUSED/);
    const late = await run(`${base}/slow`, 200);
    expect(late.code).toBe(4);
    expect(late.stderr).toMatch(/TimeoutError|aborted/i);
  });
});
