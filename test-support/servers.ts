import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fourLetterWord } from './four-letter-words.js';
import { freePort } from './ports.js';
import { startServerProcess, type ServerProcess } from './processes.js';
import { javaPath, zookeeperClassPath } from './tools.js';
import { completeZooCfg, writeZooCfg, type ZooCfg } from './zoo-cfg.js';

export type TargetKind = 'zookeeper' | 'corral';

/** A running server that speaks the ZooKeeper client protocol. */
export interface Target {
  kind: TargetKind;
  host: string;
  port: number;
  /** `host:port`, as every client takes it. */
  connectString: string;
  /** The AdminServer's HTTP port when the configuration enabled it. */
  adminPort?: number;
  /** The full configuration the server was started with (dataDir and clientPort filled in). */
  cfg: ZooCfg;
  /** The temp directory holding zoo.cfg, the data and the server log. */
  dir: string;
  /** The server's combined output so far (last lines), for failure messages. */
  logTail(lines?: number): string;
  /** Stops the server and removes its directory (keeps it when COMPAT_KEEP_DIRS is set). */
  stop(): Promise<void>;
}

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CORRAL_SERVER_JS = join(REPO_ROOT, 'dist/server/src/bin/corral-server.js');
/** The member image's command (corral-server configured from a pod's environment). */
export const CORRAL_POD_JS = join(REPO_ROOT, 'dist/server/src/bin/corral-pod.js');

/** Starts an Apache ZooKeeper standalone server from the Debian jars. */
export function startZooKeeper(cfg: ZooCfg = {}): Promise<Target> {
  const java = javaPath();
  const classPath = zookeeperClassPath();
  return launch('zookeeper', cfg, (cfgPath) => ({
    command: java,
    // Small heap and quick JIT: these servers live for seconds. With only slf4j-api on the class path
    // ZooKeeper logs through the no-op logger, so its output stays small.
    args: ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-cp', classPath,
      'org.apache.zookeeper.server.ZooKeeperServerMain', cfgPath],
  }));
}

/** Starts a Corral member from the built server (`npm run build`). */
export function startCorral(cfg: ZooCfg = {}): Promise<Target> {
  if (!existsSync(CORRAL_SERVER_JS)) {
    return Promise.reject(new Error(
      `Corral build missing: ${CORRAL_SERVER_JS} does not exist (run \`npm run build\`; ` +
      'set COMPAT_TARGETS=zookeeper to run the compatibility tests against Apache ZooKeeper alone)'));
  }
  return launch('corral', cfg, (cfgPath) => ({ command: process.execPath, args: [CORRAL_SERVER_JS, cfgPath] }));
}

export function startTarget(kind: TargetKind, cfg: ZooCfg = {}): Promise<Target> {
  return kind === 'zookeeper' ? startZooKeeper(cfg) : startCorral(cfg);
}

async function launch(
  kind: TargetKind,
  userCfg: ZooCfg,
  commandFor: (cfgPath: string) => { command: string; args: string[] },
): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), `corral-${kind}-`));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const port = await freePort();
  const cfg = completeZooCfg(userCfg, dataDir, port);
  const cfgPath = writeZooCfg(dir, cfg);
  const { command, args } = commandFor(cfgPath);
  const host = '127.0.0.1';
  const spawnServer = async () => {
    const proc = startServerProcess(command, args, { cwd: dir, logPath: join(dir, 'server.log') });
    try {
      await waitUntilServing(kind, host, port, proc);
    } catch (err) {
      await proc.stop();
      throw err;
    }
    return proc;
  };
  let proc: ServerProcess;
  try {
    proc = await spawnServer();
  } catch (err) {
    if (!process.env.COMPAT_KEEP_DIRS) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const stop = async () => {
    await proc.stop();
    if (!process.env.COMPAT_KEEP_DIRS) rmSync(dir, { recursive: true, force: true });
  };
  const adminEnabled = String(cfg['admin.enableServer']) === 'true';
  return {
    kind,
    host,
    port,
    connectString: `${host}:${port}`,
    ...(adminEnabled ? { adminPort: Number(cfg['admin.serverPort'] ?? 8080) } : {}),
    cfg,
    dir,
    logTail: (lines) => proc.logTail(lines),
    stop,
  };
}

/**
 * Polls `srvr` until the server reports its Mode. `ruok` is not enough: ZooKeeper answers `imok` (and
 * `srvr` "This ZooKeeper instance is not currently serving requests") before it serves clients. So a
 * configuration's 4lw.commands.whitelist must keep srvr (ZooKeeper's default whitelist is just srvr).
 * Fails early, with the server's output, if the process dies.
 */
async function waitUntilServing(kind: TargetKind, host: string, port: number, proc: ServerProcess, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    if (proc.exited()) throw new Error(`${kind} exited during start-up; its output:\n${proc.logTail()}`);
    try {
      last = await fourLetterWord(host, port, 'srvr', 1000);
      if (/^Mode: /m.test(last)) return;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) {
      throw new Error(`${kind} on ${host}:${port} not serving within ${timeoutMs} ms (last srvr answer: ` +
        `${JSON.stringify(last)}); its output:\n${proc.logTail()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
