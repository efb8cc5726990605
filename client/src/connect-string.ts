// Connection strings: "host1:port1,host2:port2/optional/chroot", as every ZooKeeper client takes them.
import { validatePath } from './paths.js';

export interface HostPort {
  host: string;
  port: number;
}

export interface ConnectString {
  hosts: HostPort[];
  /** '' when there is no chroot; otherwise a valid absolute path without a trailing slash. */
  chroot: string;
}

const DEFAULT_PORT = 2181;

export function parseConnectString(text: string): ConnectString {
  const slash = text.indexOf('/');
  const hostPart = slash < 0 ? text : text.slice(0, slash);
  let chroot = slash < 0 ? '' : text.slice(slash);
  if (chroot === '/') chroot = '';
  if (chroot !== '') validatePath(chroot);
  const hosts = hostPart
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '')
    .map(parseHostPort);
  if (hosts.length === 0) throw new Error(`connection string names no host: "${text}"`);
  return { hosts, chroot };
}

function parseHostPort(text: string): HostPort {
  // "[v6addr]:port", "host:port" or a bare host.
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:]+)(?::(\d+))?$/.exec(text);
  if (!m) throw new Error(`bad host in connection string: "${text}"`);
  const port = m[2] === undefined ? DEFAULT_PORT : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`bad port in connection string: "${text}"`);
  return { host: m[1]!, port };
}

/** A uniformly shuffled copy (Fisher–Yates), so clients spread over the ensemble. */
export function shuffled<T>(items: readonly T[], random: () => number = Math.random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
