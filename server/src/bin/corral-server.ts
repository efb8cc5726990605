#!/usr/bin/env node
// corral-server path/to/zoo.cfg — runs one member in the foreground, like `zkServer.sh start-foreground`.
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../config/index.js';
import { Member } from '../member/member.js';

async function main(): Promise<number> {
  const log = pino({ name: 'corral', level: process.env.CORRAL_LOG_LEVEL ?? 'info' });
  const path = process.argv[2];
  if (!path || process.argv.length > 3) {
    process.stderr.write('usage: corral-server <path/to/zoo.cfg>\n');
    return 2;
  }
  let loaded;
  try {
    loaded = loadConfig(path);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`corral-server: invalid configuration: ${err.message}\n`);
      return 1;
    }
    throw err;
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
  await member.start();
  return -1;
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    process.stderr.write(`corral-server: ${(err as Error)?.stack ?? err}\n`);
    process.exit(1);
  },
);
