#!/usr/bin/env node
// `npm start`: a local Corral for development, no Kubernetes needed. Data lives in ./.corral-dev; the client
// port is 127.0.0.1:2181 (override with CORRAL_DEV_PORT).
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { pino } from 'pino';
import { parseConfig } from '../config/index.js';
import { Member } from '../member/member.js';

const port = Number(process.env.CORRAL_DEV_PORT ?? 2181);
const dataDir = resolve(process.env.CORRAL_DEV_DIR ?? '.corral-dev', 'member-1');
mkdirSync(dataDir, { recursive: true });
const log = pino({ name: 'corral-dev', level: process.env.CORRAL_LOG_LEVEL ?? 'info' });
const { config, warnings } = parseConfig(
  [
    'tickTime=2000',
    `dataDir=${dataDir}`,
    `clientPort=${port}`,
    'clientPortAddress=127.0.0.1',
    '4lw.commands.whitelist=*',
    'admin.enableServer=false',
  ].join('\n'),
);
for (const w of warnings) log.warn({ key: w.key }, w.message);
const member = new Member(config, log);
await member.start();
process.stdout.write(`\nCorral is running. Connect string: 127.0.0.1:${port}\n` + `  e.g. zkCli.sh -server 127.0.0.1:${port}   or   python3 -c "from kazoo.client import KazooClient; z=KazooClient('127.0.0.1:${port}'); z.start(); print(z.get_children('/'))"\n` + 'Stop with Ctrl-C.\n\n');
const stop = () => member.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
