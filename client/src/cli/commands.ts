// The zkCli vocabulary as commander subcommands, shared by one-shot runs and the interactive shell.
import { Command, InvalidArgumentError } from 'commander';
import { AddWatchMode, CreateMode, limitsPath, WatcherType, type QuotaLimits, type Stat } from 'corral/protocol';
import { OPEN_ACL_UNSAFE, parseACL } from '../acl.js';
import type { ZooKeeperClient } from '../client.js';
import { NoNodeError } from '../errors.js';
import type { Watcher } from '../types.js';
import { formatACL, formatEvent, formatStat, javaList } from './format.js';
import { delQuota, listQuota, setQuota } from './quota.js';
import { subtree } from './tree.js';

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
}

export interface CliContext extends CliIO {
  /** The connected client (connecting on first use). */
  client(): Promise<ZooKeeperClient>;
}

/** A malformed command line: exit code 2. */
export class UsageError extends Error {}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`not an integer: ${value}`);
  return n;
}

/** Adds every zkCli command to `program`. */
export function addCommands(program: Command, ctx: CliContext): void {
  const withClient = <A extends unknown[]>(fn: (zk: ZooKeeperClient, ...args: A) => Promise<void>) =>
    async (...args: A) => fn(await ctx.client(), ...args);
  const printer: Watcher = (e) => ctx.out(`WATCHER::\n\n${formatEvent(e)}`);
  const maybeStat = (show: boolean | undefined, stat: Stat) => {
    if (show) ctx.out(formatStat(stat));
  };

  program
    .command('ls')
    .description('list the children of a node')
    .option('-s', 'also print the stat')
    .option('-w', 'watch for child changes')
    .option('-R', 'list the whole subtree, breadth first')
    .argument('<path>')
    .action(withClient(async (zk, path: string, o: { s?: boolean; w?: boolean; R?: boolean }) => {
      if (o.R) {
        for (const p of await subtree(zk, path)) ctx.out(p);
        return;
      }
      const { children, stat } = await zk.getChildren2(path, o.w ? printer : undefined);
      ctx.out(javaList(children.sort()));
      maybeStat(o.s, stat);
    }));

  program
    .command('get')
    .description('print the data of a node')
    .option('-s', 'also print the stat')
    .option('-w', 'watch for changes')
    .argument('<path>')
    .action(withClient(async (zk, path: string, o: { s?: boolean; w?: boolean }) => {
      const { data, stat } = await zk.getData(path, o.w ? printer : undefined);
      ctx.out(data === null ? 'null' : data.toString('utf8'));
      maybeStat(o.s, stat);
    }));

  program
    .command('set')
    .description('set the data of a node')
    .option('-s', 'print the new stat')
    .option('-v <version>', 'expected data version', integer)
    .argument('<path>')
    .argument('<data>')
    .action(withClient(async (zk, path: string, data: string, o: { s?: boolean; v?: number }) => {
      maybeStat(o.s, await zk.setData(path, data, o.v ?? -1));
    }));

  program
    .command('create')
    .description('create a node')
    .option('-s', 'sequential')
    .option('-e', 'ephemeral')
    .option('-c', 'container')
    .option('-t <ttl>', 'time to live in ms (persistent nodes only)', integer)
    .argument('<path>')
    .argument('[data]')
    .argument('[acl]', 'scheme:id:perms[,...]')
    .action(withClient(async (zk, path: string, data: string | undefined, acl: string | undefined, o: { s?: boolean; e?: boolean; c?: boolean; t?: number }) => {
      const mode = createMode(o);
      const created = await zk.create(path, data ?? null, {
        mode,
        acl: acl === undefined ? [...OPEN_ACL_UNSAFE] : parseACL(acl),
        ...(o.t !== undefined ? { ttl: o.t } : {}),
      });
      ctx.out(`Created ${created}`);
    }));

  program
    .command('delete')
    .description('delete a node without children')
    .option('-v <version>', 'expected data version', integer)
    .argument('<path>')
    .action(withClient(async (zk, path: string, o: { v?: number }) => zk.delete(path, o.v ?? -1)));

  program
    .command('deleteall')
    .description('delete a node and its whole subtree')
    .argument('<path>')
    .action(withClient(async (zk, path: string) => {
      for (const p of (await subtree(zk, path)).reverse()) await zk.delete(p);
    }));

  program
    .command('stat')
    .description('print the stat of a node')
    .option('-w', 'watch for changes')
    .argument('<path>')
    .action(withClient(async (zk, path: string, o: { w?: boolean }) => {
      const stat = await zk.exists(path, o.w ? printer : undefined);
      if (stat === null) throw new NoNodeError(path);
      ctx.out(formatStat(stat));
    }));

  program
    .command('getAcl')
    .description('print the ACL of a node')
    .option('-s', 'also print the stat')
    .argument('<path>')
    .action(withClient(async (zk, path: string, o: { s?: boolean }) => {
      const { acl, stat } = await zk.getACL(path);
      ctx.out(formatACL(acl));
      maybeStat(o.s, stat);
    }));

  program
    .command('setAcl')
    .description('set the ACL of a node')
    .option('-s', 'print the new stat')
    .option('-v <version>', 'expected ACL version', integer)
    .option('-R', 'apply to the whole subtree')
    .argument('<path>')
    .argument('<acl>', 'scheme:id:perms[,...]')
    .action(withClient(async (zk, path: string, acl: string, o: { s?: boolean; v?: number; R?: boolean }) => {
      const parsed = parseACL(acl);
      const paths = o.R ? await subtree(zk, path) : [path];
      for (const p of paths) {
        const stat = await zk.setACL(p, parsed, p === path ? (o.v ?? -1) : -1);
        if (p === path) maybeStat(o.s, stat);
      }
    }));

  program
    .command('addauth')
    .description('add credentials to the session')
    .argument('<scheme>')
    .argument('[auth]')
    .action(withClient(async (zk, scheme: string, auth: string | undefined) => zk.addAuth(scheme, auth ?? '')));

  program
    .command('sync')
    .description('sync the connected server with the leader')
    .argument('<path>')
    .action(withClient(async (zk, path: string) => {
      await zk.sync(path);
      ctx.out('Sync is OK');
    }));

  program
    .command('config')
    .description('print the ensemble configuration')
    .option('-s', 'also print the stat')
    .option('-w', 'watch for changes')
    .action(withClient(async (zk, o: { s?: boolean; w?: boolean }) => {
      const { config, stat } = await zk.getConfig(o.w ? printer : undefined);
      if (config !== '') ctx.out(config.replace(/\n$/, ''));
      maybeStat(o.s, stat);
    }));

  program
    .command('reconfig')
    .description('change the ensemble membership')
    .option('-s', 'print the stat of the new configuration')
    .option('-v <version>', 'only if the current configuration version is this (hex)', (v) => parseInt(v, 16))
    .option('--add <servers>', 'comma-separated server lines to add')
    .option('--remove <ids>', 'comma-separated server ids to remove')
    .option('--members <servers>', 'the complete new membership')
    .option('--file <path>', 'read the new membership from a dynamic config file')
    .action(withClient(async (zk, o: { s?: boolean; v?: number; add?: string; remove?: string; members?: string; file?: string }) => {
      let members = o.members;
      if (o.file !== undefined) {
        const { readFileSync } = await import('node:fs');
        members = readFileSync(o.file, 'utf8').split('\n').filter((l) => /^server\.\d+=/.test(l.trim())).join(',');
      }
      if (members === undefined && o.add === undefined && o.remove === undefined) {
        throw new UsageError('reconfig needs --members, --file, --add or --remove');
      }
      const { config, stat } = await zk.reconfig({
        ...(o.add !== undefined ? { joining: o.add } : {}),
        ...(o.remove !== undefined ? { leaving: o.remove } : {}),
        ...(members !== undefined ? { newMembers: members } : {}),
        ...(o.v !== undefined ? { fromConfig: o.v } : {}),
      });
      ctx.out(`Committed new configuration:\n${config.replace(/\n$/, '')}`);
      maybeStat(o.s, stat);
    }));

  program
    .command('setquota')
    .description('set a quota on a node: soft limits -n (count) / -b (bytes), hard limits -N / -B')
    .option('-n <count>', 'soft limit on the number of nodes', integer)
    .option('-b <bytes>', 'soft limit on bytes', integer)
    .option('-N <count>', 'hard limit on the number of nodes', integer)
    .option('-B <bytes>', 'hard limit on bytes', integer)
    .argument('<path>')
    .action(withClient(async (zk, path: string, o: { n?: number; b?: number; N?: number; B?: number }) => {
      const change: Partial<QuotaLimits> = {
        ...(o.n !== undefined ? { count: o.n } : {}),
        ...(o.b !== undefined ? { bytes: o.b } : {}),
        ...(o.N !== undefined ? { countHardLimit: o.N } : {}),
        ...(o.B !== undefined ? { byteHardLimit: o.B } : {}),
      };
      if (Object.keys(change).length === 0) throw new UsageError('setquota needs one of -n, -b, -N, -B');
      await setQuota(zk, path, change);
    }));

  program
    .command('listquota')
    .description('print the quota and usage of a node')
    .argument('<path>')
    .action(withClient(async (zk, path: string) => {
      ctx.out(`absolute path is ${limitsPath(path)}`);
      const { limits, stats } = await listQuota(zk, path);
      ctx.out(`Output quota for ${path} ${limits}`);
      ctx.out(`Output stat for ${path} ${stats}`);
    }));

  program
    .command('delquota')
    .description('delete a quota, or with -n/-b/-N/-B just that limit')
    .option('-n', 'the soft node-count limit')
    .option('-b', 'the soft byte limit')
    .option('-N', 'the hard node-count limit')
    .option('-B', 'the hard byte limit')
    .argument('<path>')
    .action(withClient(async (zk, path: string, o: { n?: boolean; b?: boolean; N?: boolean; B?: boolean }) => {
      const fields: (keyof QuotaLimits)[] = [];
      if (o.n) fields.push('count');
      if (o.b) fields.push('bytes');
      if (o.N) fields.push('countHardLimit');
      if (o.B) fields.push('byteHardLimit');
      await delQuota(zk, path, fields);
    }));

  program
    .command('getEphemerals')
    .description("list this session's ephemeral nodes")
    .argument('[path]', 'path prefix', '/')
    .action(withClient(async (zk, path: string) => ctx.out(javaList(await zk.getEphemerals(path)))));

  program
    .command('getAllChildrenNumber')
    .description('count the descendants of a node')
    .argument('<path>')
    .action(withClient(async (zk, path: string) => ctx.out(String(await zk.getAllChildrenNumber(path)))));

  program
    .command('whoami')
    .description('print the identities of this session')
    .action(withClient(async (zk) => {
      ctx.out('Auth scheme: User');
      for (const who of await zk.whoAmI()) ctx.out(`${who.authScheme}: ${who.user}`);
    }));

  program
    .command('addWatch')
    .description('add a persistent watch')
    .option('-m <mode>', 'PERSISTENT or PERSISTENT_RECURSIVE', 'PERSISTENT_RECURSIVE')
    .argument('<path>')
    .action(withClient(async (zk, path: string, o: { m: string }) => {
      const mode = { PERSISTENT: AddWatchMode.Persistent, PERSISTENT_RECURSIVE: AddWatchMode.PersistentRecursive }[o.m.toUpperCase()];
      if (mode === undefined) throw new UsageError(`unknown watch mode ${o.m} (PERSISTENT or PERSISTENT_RECURSIVE)`);
      await zk.addWatch(path, printer, mode);
    }));

  program
    .command('removewatches')
    .description('remove watches of a node: -c child, -d data, -a any (default)')
    .option('-c', 'child watches')
    .option('-d', 'data watches')
    .option('-a', 'any watches')
    .option('-l', 'remove locally even without a server connection')
    .argument('<path>')
    .action(withClient(async (zk, path: string, o: { c?: boolean; d?: boolean; a?: boolean; l?: boolean }) => {
      const type = o.c ? WatcherType.Children : o.d ? WatcherType.Data : WatcherType.Any;
      await zk.removeWatches(path, type, { local: !!o.l });
    }));
}

function createMode(o: { s?: boolean; e?: boolean; c?: boolean; t?: number }): CreateMode {
  if (o.c) {
    if (o.s || o.e || o.t !== undefined) throw new UsageError('-c cannot be combined with -s, -e or -t');
    return CreateMode.Container;
  }
  if (o.t !== undefined) {
    if (o.e) throw new UsageError('-t cannot be combined with -e');
    return o.s ? CreateMode.PersistentSequentialWithTTL : CreateMode.PersistentWithTTL;
  }
  if (o.e) return o.s ? CreateMode.EphemeralSequential : CreateMode.Ephemeral;
  return o.s ? CreateMode.PersistentSequential : CreateMode.Persistent;
}
