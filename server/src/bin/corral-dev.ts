#!/usr/bin/env node
// `npm start`: a local three-member Corral ensemble on loopback for development, no Kubernetes needed. Data
// lives in ./.corral-dev; client ports are 2181-2183 (CORRAL_DEV_PORT moves the first), peer ports 2888-2890,
// AdminServers 8080-8082. CORRAL_DEV_MEMBERS=1 runs a single standalone member instead.
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pino } from 'pino';
import { parseConfig } from '../config/index.js';
import { Member } from '../member/member.js';

const basePort = Number(process.env.CORRAL_DEV_PORT ?? 2181);
const count = Number(process.env.CORRAL_DEV_MEMBERS ?? 3);
const root = resolve(process.env.CORRAL_DEV_DIR ?? '.corral-dev');
const log = pino({ name: 'corral-dev', level: process.env.CORRAL_LOG_LEVEL ?? 'info' });

const ids = Array.from({ length: count }, (_, i) => i + 1);
const serverLines = count > 1 ? ids.map((id) => `server.${id}=127.0.0.1:${2887 + id}:${3887 + id};127.0.0.1:${basePort + id - 1}`) : [];
const members = ids.map((id) => {
  const dataDir = resolve(root, `member-${id}`);
  mkdirSync(dataDir, { recursive: true });
  if (count > 1) writeFileSync(resolve(dataDir, 'myid'), `${id}\n`);
  const { config, warnings } = parseConfig(
    [
      'tickTime=2000',
      'initLimit=10',
      'syncLimit=5',
      `dataDir=${dataDir}`,
      ...(count > 1 ? [] : [`clientPort=${basePort}`, 'clientPortAddress=127.0.0.1']),
      '4lw.commands.whitelist=*',
      'admin.serverAddress=127.0.0.1',
      `admin.serverPort=${8079 + id}`,
      ...serverLines,
    ].join('\n'),
  );
  for (const w of warnings) log.warn({ key: w.key, member: id }, w.message);
  return new Member(config, log.child({ member: id }));
});

await Promise.all(members.map((m) => m.start()));
const connect = ids.map((id) => `127.0.0.1:${basePort + id - 1}`).join(',');
process.stdout.write(
  `\nCorral is running (${count} member${count > 1 ? 's' : ''}). Connect string: ${connect}\n` +
    `  e.g. zkCli.sh -server ${connect}   or   npx corral --server ${connect} ls /\n` +
    `  members: curl http://127.0.0.1:8080/commands/members\n` +
    'Stop with Ctrl-C.\n\n',
);
const stop = () => Promise.all(members.map((m) => m.stop())).then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
