import { spawn } from 'node:child_process';
import { runProgram, type ProgramResult } from './processes.js';
import { cliMtPath, kazooPythonPath, zkCliPath } from './tools.js';

export type { ProgramResult } from './processes.js';

/**
 * A shell run. `output` holds stdout and stderr in the order the shell wrote them: both go to one pipe, since the
 * arrival order of two pipes is up to the scheduler (zkCli's stderr line could land after the stdout lines printed
 * after it on a loaded machine).
 */
export interface ShellResult {
  output: string;
  /** Exit code, or null when killed by a signal (a timeout included). */
  code: number | null;
  timedOut: boolean;
}

/**
 * Runs a kazoo scenario script: `python3 <script> <connectString> ...args`. Scripts import their helper
 * module from their own directory, which Python puts on sys.path.
 */
export function runKazoo(
  script: string,
  connectString: string,
  opts: { args?: string[]; timeoutMs?: number } = {},
): Promise<ProgramResult> {
  return runProgram(kazooPythonPath(), [script, connectString, ...(opts.args ?? [])], {
    timeoutMs: opts.timeoutMs ?? 60_000,
    env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
  });
}

/**
 * Feeds shell commands one at a time, each once the output of the previous one has settled. cli_mt runs
 * commands asynchronously and quits at end of input with answers outstanding, and both shells print
 * watch events from another thread, so pacing is what makes transcripts complete and deterministic.
 *
 * The first command goes only once the shell prints `connected` (its session event): on a loaded machine a JVM
 * or a handshake can take seconds, and a command sent before would race the connection's own output. A shell
 * that does not connect within `connectTimeoutMs` is killed and reported as timed out.
 *
 * Settled means quiet for `quietMs`, or, with `drain`, that every line of the drain command's answer has
 * arrived: it is sent after each step on the same session, so its answer comes after the step's answer and
 * events. Those lines are left out of the result. `stepTimeoutMs` only bounds a step that never settles.
 */
function runShell(
  command: string,
  args: string[],
  steps: string[],
  opts: {
    quietMs: number;
    stepTimeoutMs: number;
    timeoutMs: number;
    connected: string;
    connectTimeoutMs: number;
    env?: NodeJS.ProcessEnv;
    drain?: { command: string; lines: string[] };
  },
): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', 'exec "$@" 2>&1', 'sh', command, ...args], {
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    let lastOutput = 0;
    let timedOut = false;
    const onData = (d: string) => {
      output += d;
      lastOutput = Date.now();
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData); // only sh's own complaints, before the exec
    child.stdin.on('error', () => {});
    const killTimer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    let closed = false;
    const done = new Promise<number | null>((res) => child.once('close', (code) => {
      closed = true;
      res(code);
    }));
    child.once('error', (err) => reject(new Error(`could not run ${command}: ${err.message}`)));

    // Quiet for quietMs since the command was written or last printed (a command that prints nothing, like
    // zkCli's `set`, settles that way too), capped by stepTimeoutMs.
    const settle = async () => {
      const start = Date.now();
      while (!closed && Date.now() - start < opts.stepTimeoutMs) {
        await new Promise((r) => setTimeout(r, 20));
        if (Date.now() - Math.max(lastOutput, start) >= opts.quietMs) return;
      }
    };
    const drained = async (drain: { command: string; lines: string[] }) => {
      const start = Date.now();
      const from = output.length;
      child.stdin.write(`${drain.command}\n`);
      while (!closed && Date.now() - start < opts.stepTimeoutMs && !drain.lines.every((l) => output.includes(l, from))) {
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const strip = (text: string) => (opts.drain?.lines ?? []).reduce((t, line) => t.split(line).join(''), text);
    const connection = async () => {
      const start = Date.now();
      while (!closed && !output.includes(opts.connected)) {
        if (Date.now() - start > opts.connectTimeoutMs) {
          timedOut = true;
          child.kill('SIGKILL');
          return;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      await settle(); // the rest of the banner (cli_mt's session id line)
    };
    void (async () => {
      await connection();
      for (const step of steps) {
        if (closed) break;
        child.stdin.write(`${step}\n`);
        await (opts.drain ? drained(opts.drain) : settle());
      }
      child.stdin.end();
      const code = await done;
      clearTimeout(killTimer);
      resolve({ output: strip(output), code, timedOut });
    })();
  });
}

/**
 * Runs the ZooKeeper C client shell with the given commands. stdbuf makes its stdio line-buffered so
 * output arrives as it is printed, not at exit.
 */
export function runCliMt(connectString: string, commands: string[], opts: { timeoutMs?: number } = {}): Promise<ShellResult> {
  return runShell('stdbuf', ['-oL', '-eL', cliMtPath(), '-h', connectString], commands, {
    quietMs: 100,
    stepTimeoutMs: 30_000,
    timeoutMs: opts.timeoutMs ?? 120_000,
    connected: 'Watcher SESSION_EVENT state = CONNECTED_STATE\n',
    connectTimeoutMs: 60_000,
    // A sync's answer prints "[path]: rc = 0" and "\tname = path" (two writes); no step syncs the root.
    drain: { command: 'sync /', lines: ['[/]: rc = 0\n', '\tname = /\n'] },
  });
}

/** Runs Apache ZooKeeper's Java shell zkCli.sh with the given commands. */
export function runZkCli(connectString: string, commands: string[], opts: { timeoutMs?: number } = {}): Promise<ShellResult> {
  return runShell(zkCliPath(), ['-server', connectString], commands, {
    quietMs: 100,
    stepTimeoutMs: 5000,
    timeoutMs: opts.timeoutMs ?? 120_000,
    connected: 'WatchedEvent state:SyncConnected type:None path:null\n',
    connectTimeoutMs: 60_000,
    // The shell's JVM: small heap, quick start.
    env: { ...process.env, CLIENT_JVMFLAGS: '-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1' },
  });
}
