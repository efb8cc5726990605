// ZooKeeper's AdminServer over node:http: `<commandURL>` lists the commands, `<commandURL>/<name>` runs one (GET, or
// POST for a command that changes something) and answers JSON shaped as ZooKeeper's (HTTP 200 even for errors, which
// go in the `error` field, except refused authentication and bad input, as in ZooKeeper 3.9), and `/metrics` serves
// the Prometheus registry. The member adds Corral's own commands through registerCommand, and endpoints outside the
// command URL (`/ready`) through registerEndpoint.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AdminServerConfig } from '../config/member-config.js';
import type { MemberView } from './view.js';
import { type AdminCommand, type CommandHandler, type CommandOptions, type CommandRegistry, zooKeeperCommands } from './commands.js';
import { listen, type RunningServer } from './http-listen.js';
import { toJackson, type JsonValue } from './json.js';
import { metricsRegistry, serveMetrics } from './metrics.js';

/** An endpoint's answer: its HTTP status and JSON body. */
export interface EndpointAnswer {
  status: number;
  body: JsonValue;
}

export interface AdminServer extends RunningServer {
  registerCommand(name: string, aliases: readonly string[], handler: CommandHandler, options?: CommandOptions): void;
  /** Registers every row of a command table (see CommandRegistry.registerTable). */
  registerTable(table: Readonly<Record<string, AdminCommand>>): void;
  /** Serves GET `path` (outside the command URL, like a health check) with `handler`'s answer. */
  registerEndpoint(path: string, handler: () => Promise<EndpointAnswer>): void;
}

/** Starts the AdminServer; the caller checks admin.enableServer. */
export async function startAdminServer(view: MemberView, config: AdminServerConfig = view.config.admin): Promise<AdminServer> {
  const commands = zooKeeperCommands();
  const endpoints = new Map<string, () => Promise<EndpointAnswer>>();
  const base = config.commandURL.replace(/\/+$/, '');
  const server = createServer((req, res) => {
    handle(req, res, view, commands, endpoints, base).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`${err.message}\n`);
    });
  });
  server.keepAliveTimeout = config.idleTimeout;
  const running = await listen(server, config.serverAddress, config.serverPort);
  return {
    ...running,
    registerCommand: (...args) => commands.registerCommand(...args),
    registerTable: (table) => commands.registerTable(table),
    registerEndpoint: (path, handler) => void endpoints.set(path, handler),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  view: MemberView,
  commands: CommandRegistry,
  endpoints: ReadonlyMap<string, () => Promise<EndpointAnswer>>,
  base: string,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  const isCommandPath = path === base || path === `${base}/` || path.startsWith(`${base}/`);
  const endpoint = isCommandPath ? undefined : endpoints.get(path);
  if (!isCommandPath && !endpoint && path !== '/metrics') {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found\n');
    return;
  }
  const name = isCommandPath ? decodeURIComponent(path.slice(base.length + 1)) : '';
  const allowed = name === '' ? 'GET' : commands.methodOf(name);
  if (req.method !== allowed) {
    res.writeHead(405, { Allow: allowed, 'Content-Type': 'text/plain' }).end(`HTTP method ${req.method} is not supported by this URL\n`);
    return;
  }
  req.resume(); // a POST's body, if any, is not read: arguments come in the query string, as for GET
  if (endpoint) {
    const { status, body } = await endpoint();
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(toJackson(body));
    return;
  }
  if (!isCommandPath) return serveMetrics(metricsRegistry(view), res);
  if (name === '') {
    const links = commands.primaryNames().map((c) => `<a href="${base}/${c}">${c}</a>\n<br/>\n`);
    res.writeHead(200, { 'Content-Type': 'text/html' }).end(links.join(''));
    return;
  }
  // ZooKeeper passes the first value of each query parameter as the command's keyword arguments.
  const args = new Map<string, string>();
  for (const [k, v] of url.searchParams) if (!args.has(k)) args.set(k, v);
  const { status, body } = await commands.run(name, view, args, { authorization: req.headers.authorization });
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(toJackson(body));
}
