// The coordinator's handle on its generator processes: forks them, splits sessions among them, and sends
// each command to all of them, gathering one reply per process.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command, Reply } from './messages.js';

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));

export class GeneratorPool {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly children: ChildProcess[]) {
    for (const child of children) {
      child.on('message', (msg: Reply) => {
        const w = this.waiting.get(msg.id);
        if (!w) return;
        this.waiting.delete(msg.id);
        if (msg.ok) w.resolve(msg.result);
        else w.reject(new Error(`generator failed: ${msg.error}`));
      });
      child.on('exit', (code, signal) => {
        if (code === 0) return;
        for (const w of this.waiting.values()) w.reject(new Error(`generator ${child.pid} exited (${code ?? signal})`));
        this.waiting.clear();
      });
    }
  }

  static start(processes: number): GeneratorPool {
    // Plenty of old-generation heap: a storm process holds thousands of sessions and their buffered frames.
    const children = Array.from({ length: processes }, () =>
      fork(WORKER, [], { execArgv: ['--max-old-space-size=4096'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    return new GeneratorPool(children);
  }

  get size(): number {
    return this.children.length;
  }

  get pids(): number[] {
    return this.children.map((c) => c.pid ?? -1);
  }

  /** Sends one command to each process (`commandFor(i)` for process i) and waits for every reply. */
  all<R>(commandFor: (i: number) => Command): Promise<R[]> {
    return Promise.all(this.children.map((child, i) => this.send<R>(child, commandFor(i))));
  }

  /** Splits `total` sessions over the processes: process i gets count(i), starting at global index first(i). */
  split(total: number): { count: (i: number) => number; first: (i: number) => number } {
    const n = this.children.length;
    const count = (i: number) => Math.floor(total / n) + (i < total % n ? 1 : 0);
    const first = (i: number) => Array.from({ length: i }, (_, j) => count(j)).reduce((a, b) => a + b, 0);
    return { count, first };
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map(async (child) => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      this.send(child, { op: 'exit' }).catch(() => {});
      await exited;
      clearTimeout(timer);
    }));
  }

  private send<R>(child: ChildProcess, cmd: Command): Promise<R> {
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, cmd });
    });
  }
}
