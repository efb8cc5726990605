// A Corral ensemble of real member processes on loopback, for tests that kill, pause and restart members.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fourLetterWord } from './four-letter-words.js';
import { freePorts } from './ports.js';
import { startServerProcess, type ServerProcess } from './processes.js';
import { CORRAL_SERVER_JS } from './servers.js';
import { writeZooCfg, type ZooCfg } from './zoo-cfg.js';

export type EnsembleRole = 'participant' | 'observer' | 'neverleader';

export interface EnsembleMember {
  id: number;
  clientPort: number;
  adminPort: number;
  role: EnsembleRole;
  /** This member's zoo.cfg server line (what a reconfig adding it sends). */
  serverLine: string;
  /** Its zoo.cfg, which restart() reads again (a test may rewrite it first). */
  configPath: string;
  dataDir: string;
  /** The running process; replaced by restart(). */
  process: ServerProcess | undefined;
  /** `Mode:` from srvr (leader, follower, observer), or undefined if it does not answer. */
  mode(): Promise<string | undefined>;
  /** Sends a signal to the process (SIGKILL, SIGSTOP, SIGCONT...). */
  signal(sig: NodeJS.Signals): void;
  /** Starts the member again on the same data directory (after a kill). */
  restart(): void;
}

export interface Ensemble {
  members: EnsembleMember[];
  /** All client addresses, as a connect string. */
  connectString: string;
  /** The member that leads now (waits until one does). */
  leader(timeoutMs?: number): Promise<EnsembleMember>;
  /** Waits until every running member (or those given) answers srvr with a Mode. */
  ready(timeoutMs?: number, members?: EnsembleMember[]): Promise<void>;
  stop(): Promise<void>;
}

/** Replaces a member's server lines, keeping the rest of its zoo.cfg (a restart reads the file again). */
export function rewriteServerLines(m: EnsembleMember, lines: readonly string[]): void {
  const rest = readFileSync(m.configPath, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('server.'));
  writeFileSync(m.configPath, [...rest, ...lines, ''].join('\n'));
}

/**
 * Starts `roles.length` members that form the ensemble, plus `joining.length` more that are configured with every
 * server (themselves included) but are unknown to the others until a reconfig adds them.
 */
export async function startEnsemble(roles: EnsembleRole[], cfg: ZooCfg = {}, joining: EnsembleRole[] = []): Promise<Ensemble> {
  const dir = mkdtempSync(join(tmpdir(), 'corral-ensemble-'));
  const all = [...roles, ...joining];
  // Per member: quorum port, election port (reserved; Corral does not bind it), client port, admin port.
  const ports = await freePorts(all.length * 4);
  const ids = all.map((_, i) => i + 1);
  const port = (i: number, which: number) => ports[i * 4 + which]!;
  const lineOf = (i: number) => `127.0.0.1:${port(i, 0)}:${port(i, 1)}:${all[i]};${port(i, 2)}`;
  const serverLines = (count: number) => Object.fromEntries(ids.slice(0, count).map((id, i) => [`server.${id}`, lineOf(i)]));
  const members: EnsembleMember[] = ids.map((id, i) => {
    const memberDir = join(dir, `m${id}`);
    const dataDir = join(memberDir, 'data');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'myid'), `${id}\n`);
    const adminPort = port(i, 3);
    const cfgPath = writeZooCfg(memberDir, {
      tickTime: 1000,
      initLimit: 10,
      syncLimit: 5,
      '4lw.commands.whitelist': '*',
      'admin.enableServer': true,
      'admin.serverAddress': '127.0.0.1',
      'admin.serverPort': adminPort,
      ...cfg,
      dataDir,
      ...serverLines(i < roles.length ? roles.length : all.length),
    });
    const start = () =>
      startServerProcess(process.execPath, [CORRAL_SERVER_JS, cfgPath], { cwd: memberDir, logPath: join(memberDir, 'server.log') });
    const member: EnsembleMember = {
      id,
      clientPort: port(i, 2),
      adminPort,
      role: all[i]!,
      serverLine: `server.${id}=${lineOf(i)}`,
      configPath: cfgPath,
      dataDir,
      process: start(),
      async mode() {
        try {
          return /Mode: ([\w-]+)/.exec(await fourLetterWord('127.0.0.1', member.clientPort, 'srvr', 3000))?.[1];
        } catch {
          return undefined;
        }
      },
      signal(sig) {
        if (member.process && !member.process.exited()) process.kill(member.process.pid, sig);
      },
      restart() {
        member.process = start();
      },
    };
    return member;
  });
  const ensemble: Ensemble = {
    members,
    connectString: members.map((m) => `127.0.0.1:${m.clientPort}`).join(','),
    async leader(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        for (const m of members) if ((await m.mode()) === 'leader') return m;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no leader within ${timeoutMs} ms\n${members.map((m) => m.process?.logTail(10)).join('\n')}`);
    },
    async ready(timeoutMs = 20_000, which = members) {
      const deadline = Date.now() + timeoutMs;
      for (const m of which) {
        if (!m.process || m.process.exited()) continue;
        while ((await m.mode()) === undefined) {
          if (Date.now() > deadline || m.process.exited()) throw new Error(`member ${m.id} not serving\n${m.process.logTail(20)}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    },
    async stop() {
      for (const m of members) m.signal('SIGCONT');
      await Promise.all(members.map((m) => m.process?.stop(2000)));
      if (!process.env.COMPAT_KEEP_DIRS) rmSync(dir, { recursive: true, force: true });
    },
  };
  // Joining members serve only once a reconfig has added them.
  await ensemble.ready(20_000, members.slice(0, roles.length));
  return ensemble;
}
