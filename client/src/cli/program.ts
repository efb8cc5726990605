// Commander plumbing shared by one-shot runs and shell lines: quiet programs and exit codes.
import { Command, CommanderError } from 'commander';
import { ZooKeeperError } from '../errors.js';
import { UsageError, type CliIO } from './commands.js';
import { QuotaError } from './quota.js';

/** zkCli spells some long options with one dash; accept those spellings too. */
const SINGLE_DASH_LONG = new Set(['-server', '-timeout', '-add', '-remove', '-members', '-file']);

export function normalizeArgs(argv: readonly string[]): string[] {
  return argv.map((a) => (SINGLE_DASH_LONG.has(a) ? `-${a}` : a));
}

/** A commander program whose errors and output go through `io` instead of exiting the process. */
export function quietProgram(io: CliIO): Command {
  return new Command()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) })
    .showSuggestionAfterError(false);
}

/** Runs one command's promise, reporting failures on stderr; returns the exit code. */
export async function exitCodeOf(io: CliIO, run: () => Promise<unknown>): Promise<number> {
  try {
    await run();
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version' ? 0 : 2;
    }
    if (err instanceof ZooKeeperError) {
      io.err(`${err.codeName}: ${err.message}`);
      return 1;
    }
    if (err instanceof UsageError) {
      io.err(err.message);
      return 2;
    }
    io.err(err instanceof QuotaError ? err.message : `Error: ${(err as Error).message}`);
    return 1;
  }
}

