// Starts the servers under test: Apache ZooKeeper or Corral, standalone or as an ensemble of members, from one
// zoo.cfg so both run with the same settings. Builds on test-support's process and config helpers, but starts
// ZooKeeper the way zkServer.sh does (full JIT, its default 1000 MB heap) rather than tuned for quick tests.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fourLetterWord } from '../../test-support/four-letter-words.js';
import { freePorts } from '../../test-support/ports.js';
import { startServerProcess, type ServerProcess } from '../../test-support/processes.js';
import { javaPath, zookeeperClassPath } from '../../test-support/tools.js';
import { completeZooCfg, writeZooCfg, type ZooCfg } from '../../test-support/zoo-cfg.js';
import { sleep } from './clock.js';
import type { Endpoint } from './loadgen/messages.js';

export type TargetKind = 'zookeeper' | 'corral';

export interface DeployOptions {
  members: number;
  /** zoo.cfg keys common to every member (tickTime, forceSync, ...). */
  cfg: ZooCfg;
  /** Raises the largest record both servers accept (zoo.cfg jute.maxbuffer; ZooKeeper also needs the JVM flag). */
  juteMaxBuffer?: number;
  zkHeapMb: number;
  /** Runs Corral members under `node --cpu-prof`, writing profiles into this directory when they stop. */
  corralProfileDir?: string;
  /** Loads lag-monitor.ts into Corral members: their event-loop stalls are written into this directory. */
  corralLagDir?: string;
  /** Gives each Corral member an AdminServer on a port of its own (for transfer_leadership); ZooKeeper's stays off. */
  corralAdmin?: boolean;
  /**
   * Servers started besides the `members`, configured with every server (themselves included) while the members
   * list only the members: what a reconfig may then add. They are not waited for (a joiner serves once added).
   */
  joining?: number;
  /** Server roles other than participant, by server id (server.N=...:role), e.g. Corral's `neverleader`. */
  roles?: Record<number, 'observer' | 'neverleader'>;
  /**
   * Leadership in the members' logs: Corral at info level (its role changes), ZooKeeper with slf4j-simple for the
   * quorum peer and leader classes only (it runs with no logger otherwise). Off by default, as logging costs both.
   */
  electionLogs?: boolean;
}

export interface Member {
  id: number;
  endpoint: Endpoint;
  /** The AdminServer's port, when the deployment asked for one. */
  adminPort?: number;
  /** The running process; `start()` replaces it. */
  process: ServerProcess;
  /** Starts the member again from the same zoo.cfg and data dir, once its process has exited (a restart). */
  start(): void;
  /** Its stdout and stderr, appended across restarts. */
  logPath: string;
  /** Its line in a reconfig's joining list: server.N=host:quorumPort:electionPort:participant;host:clientPort. */
  serverLine: string;
}

export interface Deployment {
  kind: TargetKind;
  members: Member[];
  endpoints: Endpoint[];
  pids: number[];
  stop(): Promise<void>;
}

/** The repository root: the nearest directory above this file that holds package.json (source or dist). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root above bench/');
    dir = up;
  }
  return dir;
}

export const CORRAL_SERVER_JS = join(repoRoot(), 'dist/server/src/bin/corral-server.js');
const LAG_MONITOR_JS = join(dirname(fileURLToPath(import.meta.url)), 'lag-monitor.js');
/** An slf4j binding for ZooKeeper (Debian's jar lists only slf4j-api, so it logs nothing by default). */
const SLF4J_SIMPLE_JAR = '/usr/share/java/slf4j-simple.jar';
/** Warnings, plus the leader's lines ("LEADING - LEADER ELECTION TOOK" once per leadership won). */
const ZK_ELECTION_LOGGING = [
  '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
  '-Dorg.slf4j.simpleLogger.log.org.apache.zookeeper.server.quorum.Leader=info',
  '-Dorg.slf4j.simpleLogger.showDateTime=true',
];

function commandFor(kind: TargetKind, cfgPath: string, opts: DeployOptions): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  if (kind === 'zookeeper') {
    const jute = opts.juteMaxBuffer ? [`-Djute.maxbuffer=${opts.juteMaxBuffer}`] : [];
    const classPath = opts.electionLogs ? `${zookeeperClassPath()}:${SLF4J_SIMPLE_JAR}` : zookeeperClassPath();
    return {
      command: javaPath(),
      args: [`-Xmx${opts.zkHeapMb}m`, ...jute, ...(opts.electionLogs ? ZK_ELECTION_LOGGING : []), '-cp', classPath,
        'org.apache.zookeeper.server.quorum.QuorumPeerMain', cfgPath],
      env: process.env,
    };
  }
  if (!existsSync(CORRAL_SERVER_JS)) throw new Error(`Corral build missing: ${CORRAL_SERVER_JS} (run \`npm run build\`)`);
  const prof = opts.corralProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.corralProfileDir}`] : [];
  const lag = opts.corralLagDir ? [`--import=${pathToFileURL(LAG_MONITOR_JS).href}`] : [];
  // Warnings only: ZooKeeper runs with the no-op logger here, so neither pays for per-connection log lines.
  const env = { ...process.env, CORRAL_LOG_LEVEL: opts.electionLogs ? 'info' : 'warn', ...(opts.corralLagDir ? { CORRAL_LAG_DIR: opts.corralLagDir } : {}) };
  return { command: process.execPath, args: [...prof, ...lag, CORRAL_SERVER_JS, cfgPath], env };
}

export async function deploy(kind: TargetKind, opts: DeployOptions): Promise<Deployment> {
  const n = opts.members + (opts.joining ?? 0);
  const withAdmin = kind === 'corral' && opts.corralAdmin === true;
  // Per server: client port, then quorum and election ports, then (with an AdminServer) its port.
  const ports = await freePorts((withAdmin ? 4 : 3) * n);
  const root = mkdtempSync(join(tmpdir(), `corral-bench-${kind}-`));
  const host = '127.0.0.1';
  // An ensemble: server.N=host:quorumPort:electionPort lines and a myid file per member, as for ZooKeeper; the
  // members list the first `members` servers, a joiner all of them.
  const serverLines = (count: number): ZooCfg => {
    if (n === 1) return {};
    const lines: ZooCfg = { initLimit: 10, syncLimit: 5 };
    for (let i = 0; i < count; i++) {
      const role = opts.roles?.[i + 1];
      lines[`server.${i + 1}`] = `${host}:${ports[n + i]}:${ports[2 * n + i]}${role ? `:${role}` : ''}`;
    }
    return lines;
  };
  const members: Member[] = [];
  const stopAll = async () => {
    await Promise.all(members.map((m) => m.process.stop(20_000)));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < n; i++) {
      const dir = join(root, `member${i + 1}`);
      const dataDir = join(dir, 'data');
      mkdirSync(dataDir, { recursive: true });
      if (n > 1) writeFileSync(join(dataDir, 'myid'), `${i + 1}\n`);
      const jute: ZooCfg = opts.juteMaxBuffer ? { 'jute.maxbuffer': opts.juteMaxBuffer } : {};
      const adminPort = withAdmin ? ports[3 * n + i]! : undefined;
      const admin: ZooCfg = adminPort ? { 'admin.enableServer': true, 'admin.serverAddress': host, 'admin.serverPort': adminPort } : {};
      const servers = serverLines(i < opts.members ? opts.members : n);
      const cfgPath = writeZooCfg(dir, completeZooCfg({ ...opts.cfg, ...jute, ...admin, ...servers }, dataDir, ports[i]!));
      const { command, args, env } = commandFor(kind, cfgPath, opts);
      const logPath = join(dir, 'server.log');
      const launch = () => startServerProcess(command, args, { cwd: dir, logPath, env });
      const serverLine = `server.${i + 1}=${host}:${ports[n + i]}:${ports[2 * n + i]}:participant;${host}:${ports[i]}`;
      const member: Member = {
        id: i + 1, endpoint: { host, port: ports[i]! }, ...(adminPort ? { adminPort } : {}), process: launch(), logPath, serverLine,
        start() {
          if (!member.process.exited()) throw new Error(`${kind} member ${member.id} is still running`);
          member.process = launch();
        },
      };
      members.push(member);
    }
    await Promise.all(members.slice(0, opts.members).map((m) => waitUntilServing(kind, m)));
  } catch (err) {
    await stopAll();
    throw err;
  }
  return { kind, members, endpoints: members.map((m) => m.endpoint), pids: members.map((m) => m.process.pid), stop: stopAll };
}

/** The member's role from `srvr` (standalone, leader, follower), or undefined while it does not serve. */
export async function memberMode(m: Member): Promise<string | undefined> {
  try {
    return /^Mode: (\S+)/m.exec(await fourLetterWord(m.endpoint.host, m.endpoint.port, 'srvr', 1000))?.[1];
  } catch {
    return undefined;
  }
}

export async function waitUntilServing(kind: TargetKind, m: Member, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await memberMode(m)) === undefined) {
    if (m.process.exited()) throw new Error(`${kind} member ${m.id} exited during start-up:\n${m.process.logTail()}`);
    if (Date.now() > deadline) throw new Error(`${kind} member ${m.id} not serving within ${timeoutMs} ms:\n${m.process.logTail()}`);
    await sleep(100);
  }
}
