// A Corral member as a child process on a data directory the test owns, so it can be SIGKILLed and restarted
// on the same data. Needs the built server (npm run build).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fourLetterWord } from '../../../test-support/four-letter-words.js';
import { freePort } from '../../../test-support/ports.js';
import { CORRAL_SERVER_JS } from '../../../test-support/servers.js';
import { completeZooCfg, writeZooCfg, type ZooCfg } from '../../../test-support/zoo-cfg.js';

export class MemberProcess {
  private child: ChildProcess | undefined;
  /** Everything the member wrote to stdout and stderr, over all its runs. */
  output = '';
  exitCode: number | null | undefined;
  exitSignal: NodeJS.Signals | null | undefined;

  private constructor(readonly dir: string, readonly port: number, readonly cfgPath: string) {}

  static async create(dir: string, cfg: ZooCfg = {}): Promise<MemberProcess> {
    if (!existsSync(CORRAL_SERVER_JS)) throw new Error(`${CORRAL_SERVER_JS} missing: run npm run build`);
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    const port = await freePort();
    return new MemberProcess(dir, port, writeZooCfg(dir, completeZooCfg(cfg, dataDir, port)));
  }

  /** The running process's id (to read its memory use from /proc). */
  get pid(): number | undefined {
    return this.alive ? this.child?.pid : undefined;
  }

  get alive(): boolean {
    return this.child !== undefined && this.exitCode === undefined;
  }

  async start(timeoutMs = 20_000): Promise<void> {
    this.exitCode = this.exitSignal = undefined;
    const child = spawn(process.execPath, [CORRAL_SERVER_JS, this.cfgPath], { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    child.once('exit', (code, signal) => {
      this.exitCode = code;
      this.exitSignal = signal;
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.alive) throw new Error(`member exited during start-up:\n${this.output.slice(-3000)}`);
      if ((await fourLetterWord('127.0.0.1', this.port, 'ruok', 500).catch(() => '')) === 'imok') return;
      if (Date.now() > deadline) throw new Error(`member did not start:\n${this.output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Sends `signal` and waits for the process to be gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await gone;
  }
}
