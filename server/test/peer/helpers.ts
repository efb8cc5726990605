// Shared set-up for the peer transport tests: networks on ephemeral loopback ports, a recording logger, polling.
import type { LoggerLike } from '../../src/storage/logger.js';
import { PeerNetwork, type PeerAddress, type PeerNetworkOptions } from '../../src/peer/peer-network.js';
import { MsgType, type Message } from '../../src/consensus/messages.js';
import type { NodeId } from '../../src/consensus/types.js';

export const HOST = '127.0.0.1';

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  msg: string;
  details: object;
}

export function recordingLog(): LoggerLike & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    info: (details, msg) => void lines.push({ level: 'info', msg, details }),
    warn: (details, msg) => void lines.push({ level: 'warn', msg, details }),
    error: (details, msg) => void lines.push({ level: 'error', msg, details }),
  };
}

export type Extra = Partial<Omit<PeerNetworkOptions, 'selfId' | 'listenHost' | 'listenPort' | 'peers' | 'log'>>;

/** Starts `ids.length` networks on ephemeral ports and tells each about all the others. */
export async function startNetworks(ids: NodeId[], extra: Extra = {}) {
  const nets = new Map<NodeId, PeerNetwork>();
  const addresses = new Map<NodeId, PeerAddress>();
  const logs = new Map<NodeId, LogLine[]>();
  for (const id of ids) {
    const log = recordingLog();
    logs.set(id, log.lines);
    const net = new PeerNetwork({ selfId: id, listenHost: HOST, listenPort: 0, peers: new Map(), log, ...extra });
    const { port } = await net.start();
    nets.set(id, net);
    addresses.set(id, { host: HOST, port });
  }
  for (const net of nets.values()) net.setPeers(addresses);
  return { nets, addresses, logs };
}

export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function heartbeat(from: NodeId, to: NodeId, ctx: number): Message {
  return { type: MsgType.Heartbeat, from, to, term: 1, commit: 0, ctx };
}
