// The interactive shell: reads commands line by line (zkCli syntax), runs each on the shared session.
import { createInterface } from 'node:readline';
import type { ZooKeeperClient } from '../client.js';
import { addCommands, type CliIO } from './commands.js';
import { exitCodeOf, normalizeArgs, quietProgram } from './program.js';

/** Splits a command line into words; single or double quotes group words ("create /a 'x y'"). */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const m of line.matchAll(re)) words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3]!));
  return words;
}

/** Runs one shell line; returns its exit code (0, 1 or 2 as for one-shot commands). */
export function runLine(zk: ZooKeeperClient, line: string, io: CliIO): Promise<number> {
  const program = quietProgram(io).name('').exitOverride();
  addCommands(program, { ...io, client: async () => zk });
  return exitCodeOf(io, () => program.parseAsync(normalizeArgs(splitWords(line)), { from: 'user' }));
}

export async function runShell(zk: ZooKeeperClient, server: string, io: CliIO): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  let n = 0;
  const prompt = () => {
    rl.setPrompt(`[corral: ${server}(${zk.state.toUpperCase()}) ${n++}] `);
    rl.prompt();
  };
  zk.on('state', (s: string) => io.out(`\nSession state: ${s}`));
  prompt();
  for await (const line of rl) {
    const words = splitWords(line);
    if (words[0] === 'quit' || words[0] === 'exit') break;
    if (words.length > 0) await runLine(zk, line, io);
    prompt();
  }
  rl.close();
}
