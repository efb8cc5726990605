// The `corral` command line: global options, one-shot commands, `admin`, and the interactive shell when no
// command is given. Exit codes: 0 success, 1 a ZooKeeper (or quota) error, 2 a usage error.
import { ZooKeeperClient } from '../client.js';
import { fourLetterWord } from './admin.js';
import { addCommands, UsageError, type CliContext, type CliIO } from './commands.js';
import { exitCodeOf, normalizeArgs, quietProgram } from './program.js';
import { runShell } from './shell.js';

export interface GlobalOptions {
  server: string;
  timeout: number;
  requestTimeout: number;
  auth: string[];
}

/** Connects with the global options (auth included). */
export async function connectClient(opts: GlobalOptions): Promise<ZooKeeperClient> {
  const zk = new ZooKeeperClient(opts.server, {
    sessionTimeout: opts.timeout,
    requestTimeout: opts.requestTimeout,
    connectTimeout: opts.timeout,
  });
  await zk.connect();
  for (const a of opts.auth) {
    const colon = a.indexOf(':');
    if (colon <= 0) throw new UsageError(`--auth wants scheme:credentials, got "${a}"`);
    await zk.addAuth(a.slice(0, colon), a.slice(colon + 1));
  }
  return zk;
}

export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const program = quietProgram(io)
    .name('corral')
    .description("Corral's ZooKeeper shell: run one command, or start an interactive shell when none is given")
    .enablePositionalOptions()
    .option('--server <hosts>', 'connection string host:port[,host:port...][/chroot]', 'localhost:2181')
    .option('--timeout <ms>', 'session timeout in ms', (v) => Number(v), 30_000)
    .option('--request-timeout <ms>', 'per-request timeout in ms (0: none)', (v) => Number(v), 0)
    .option('--auth <scheme:credentials>', 'authenticate before running (repeatable)', (v, prev: string[]) => [...prev, v], [] as string[]);

  let client: Promise<ZooKeeperClient> | undefined;
  const ctx: CliContext = { ...io, client: () => (client ??= connectClient(program.opts<GlobalOptions>())) };
  addCommands(program, ctx);
  program
    .command('admin')
    .description('send a four-letter word (ruok, srvr, mntr, conf, ...) to a server and print the answer')
    .argument('<hostport>', 'host:port of the server')
    .argument('<word>', 'the four-letter word')
    .action(async (hostPort: string, word: string) => {
      if (!/^[a-z]{4}$/.test(word)) throw new UsageError(`not a four-letter word: ${word}`);
      io.out((await fourLetterWord(hostPort, word)).replace(/\n$/, ''));
    });
  program.allowExcessArguments(true); // after the subcommands, which keep the strict default
  program.action(async () => {
    if (program.args.length > 0) throw new UsageError(`unknown command: ${program.args[0]}`);
    await runShell(await ctx.client(), program.opts<GlobalOptions>().server, io);
  });

  const code = await exitCodeOf(io, () => program.parseAsync(normalizeArgs(argv), { from: 'user' }));
  if (client) await client.then((c) => c.close(), () => undefined);
  return code;
}
