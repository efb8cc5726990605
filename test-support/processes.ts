import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';

/** Every server child still running, killed hard if the test process exits without stopping them. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface ServerProcess {
  readonly pid: number;
  /** Set once the process has exited. */
  exited(): boolean;
  /** The last lines of the process's combined output, for error messages. */
  logTail(lines?: number): string;
  /** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a long-running server with stdout and stderr appended to logPath. */
export function startServerProcess(
  command: string,
  args: string[],
  opts: { cwd: string; logPath: string; env?: NodeJS.ProcessEnv },
): ServerProcess {
  const log = createWriteStream(opts.logPath, { flags: 'a' });
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  live.add(child);
  let hasExited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('close', () => {
      hasExited = true;
      live.delete(child);
      log.end();
      resolve();
    });
    child.once('error', (err) => {
      log.write(`spawn error: ${err.message}\n`);
    });
  });
  return {
    pid: child.pid ?? -1,
    exited: () => hasExited,
    logTail(lines = 40) {
      try {
        return readFileSync(opts.logPath, 'utf8').split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
    async stop(graceMs = 5000) {
      if (hasExited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}

export interface ProgramResult {
  stdout: string;
  stderr: string;
  /** Exit code, or null when killed by a signal (a timeout included). */
  code: number | null;
  timedOut: boolean;
}

/** Runs a program to completion with optional stdin, killing it after timeoutMs. */
export function runProgram(
  command: string,
  args: string[],
  opts: { input?: string; timeoutMs: number; env?: NodeJS.ProcessEnv; cwd?: string },
): Promise<ProgramResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`could not run ${command}: ${err.message}`));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, timedOut });
    });
    // A program that exits before reading its input closes the pipe; that is its business.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}
