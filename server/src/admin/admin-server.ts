// ZooKeeper's AdminServer over node:http: `<commandURL>` lists the commands, `<commandURL>/<name>` runs one and
// answers JSON shaped as ZooKeeper's (HTTP 200 even for errors, which go in the `error` field), and `/metrics`
// serves the Prometheus registry. The member adds Corral's own commands through registerCommand.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AdminServerConfig } from '../config/member-config.js';
import type { MemberView } from '../member/view.js';
import { type CommandHandler, type CommandOptions, type CommandRegistry, zooKeeperCommands } from './commands.js';
import { listen, type RunningServer } from './http-listen.js';
import { toJackson } from './json.js';
import { metricsRegistry, serveMetrics } from './metrics.js';

export interface AdminServer extends RunningServer {
  registerCommand(name: string, aliases: readonly string[], handler: CommandHandler, options?: CommandOptions): void;
}

/** Starts the AdminServer; the caller checks admin.enableServer. */
export async function startAdminServer(view: MemberView, config: AdminServerConfig = view.config.admin): Promise<AdminServer> {
  const commands = zooKeeperCommands();
  const base = config.commandURL.replace(/\/+$/, '');
  const server = createServer((req, res) => {
    handle(req, res, view, commands, base).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`${err.message}\n`);
    });
  });
  server.keepAliveTimeout = config.idleTimeout;
  const running = await listen(server, config.serverAddress, config.serverPort);
  return { ...running, registerCommand: (...args) => commands.registerCommand(...args) };
}

async function handle(req: IncomingMessage, res: ServerResponse, view: MemberView, commands: CommandRegistry, base: string): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  const isCommandPath = path === base || path === `${base}/` || path.startsWith(`${base}/`);
  if (!isCommandPath && path !== '/metrics') {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found\n');
    return;
  }
  if (req.method !== 'GET') {
    res.writeHead(405, { Allow: 'GET', 'Content-Type': 'text/plain' }).end(`HTTP method ${req.method} is not supported by this URL\n`);
    return;
  }
  if (!isCommandPath) return serveMetrics(metricsRegistry(view), res);
  const name = decodeURIComponent(path.slice(base.length + 1));
  if (name === '') {
    const links = commands.primaryNames().map((c) => `<a href="${base}/${c}">${c}</a>\n<br/>\n`);
    res.writeHead(200, { 'Content-Type': 'text/html' }).end(links.join(''));
    return;
  }
  // ZooKeeper passes the first value of each query parameter as the command's keyword arguments.
  const args = new Map<string, string>();
  for (const [k, v] of url.searchParams) if (!args.has(k)) args.set(k, v);
  const body = toJackson(await commands.run(name, view, args));
  res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
}
