import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Logger } from 'pino';
import { nodeModes, type NodeMode, type NodeSet } from './nodes.js';

/**
 * The test bed's control endpoint, on loopback only (see e2e/README.md):
 *   GET  /healthz                      → ok
 *   GET  /nodes                        → [{ name, hostIP, zone, region, mode }]
 *   PUT  /nodes/<name>/mode  body=mode → sets ready | notready | partitioned | down
 */
export function startControlServer(nodes: NodeSet, port: number, log: Logger): Promise<Server> {
  const server = createServer((req, res) => {
    const reply = (code: number, body: unknown) => {
      res.writeHead(code, { 'Content-Type': typeof body === 'string' ? 'text/plain' : 'application/json' });
      res.end(typeof body === 'string' ? `${body}\n` : JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://localhost');
    const modeOf = /^\/nodes\/([^/]+)\/mode$/.exec(url.pathname);
    if (req.method === 'GET' && url.pathname === '/healthz') return reply(200, 'ok');
    if (req.method === 'GET' && url.pathname === '/nodes') {
      return reply(200, nodes.identities.map((n) => ({ ...n, mode: nodes.mode(n.name) })));
    }
    if ((req.method === 'PUT' || req.method === 'POST') && modeOf) {
      const name = decodeURIComponent(modeOf[1]!);
      if (!nodes.get(name)) return reply(404, `no node ${name}; nodes: ${nodes.identities.map((n) => n.name).join(', ')}`);
      void readBody(req).then(async (body) => {
        const mode = body.trim() as NodeMode;
        if (!nodeModes.includes(mode)) return reply(400, `mode must be one of ${nodeModes.join(', ')}, not "${mode}"`);
        try {
          await nodes.setMode(name, mode);
          reply(200, { name, mode });
        } catch (err) {
          reply(500, (err as Error).message);
        }
      });
      return;
    }
    reply(404, 'GET /healthz, GET /nodes, PUT /nodes/<name>/mode (ready|notready|partitioned|down)');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      log.info({ url: `http://127.0.0.1:${port}` }, 'control endpoint listening');
      resolve(server);
    });
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => {
      if (body.length < 1024) body += d;
    });
    req.on('end', () => resolve(body));
  });
}
