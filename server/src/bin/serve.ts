// Runs one member in the foreground until SIGTERM or SIGINT: what corral-server and corral-pod share.
import { pino, type Logger } from 'pino';
import { ConfigError, type LoadedConfig } from '../config/index.js';
import { Member } from '../member/member.js';

/**
 * Loads the configuration with `load`, starts a member and keeps the process alive until a signal stops it (a
 * leader hands leadership over first). A ConfigError is printed as `<name>: invalid configuration: ...` with exit
 * code 1; no other outcome returns.
 */
export function serve(name: string, load: (log: Logger) => LoadedConfig): void {
  run(name, load).then(
    (code) => {
      if (code >= 0) process.exit(code);
    },
    (err) => {
      process.stderr.write(`${name}: ${(err as Error)?.stack ?? err}\n`);
      process.exit(1);
    },
  );
}

/** Resolves to an exit code, or to -1 once the member serves (a signal handler ends the process then). */
async function run(name: string, load: (log: Logger) => LoadedConfig): Promise<number> {
  const log = pino({ name: 'corral', level: process.env.CORRAL_LOG_LEVEL ?? 'info' });
  const invalid = (err: unknown): number => {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${name}: invalid configuration: ${err.message}\n`);
    return 1;
  };
  let loaded;
  try {
    loaded = load(log);
  } catch (err) {
    return invalid(err);
  }
  for (const w of loaded.warnings) log.warn({ key: w.key }, w.message);
  const member = new Member(loaded.config, log);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    member.stop({ handOver: true }).then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  try {
    // Part of the configuration is checked against what the data dir holds: this member's own server line.
    await member.start();
  } catch (err) {
    return invalid(err);
  }
  return -1;
}
