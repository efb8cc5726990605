// `kubectl corral`: status and day-2 actions on CoordinationClusters. The command line is parsed into an
// Invocation first (tested alone), then carried out through kubectl. Exit codes are the `corral` CLI's: 0 ok,
// 1 an error (from the cluster, a member or kubectl), 2 a usage error.
import { InvalidArgumentError, Option } from 'commander';
import { parseMembersReply, type MembersReply } from 'corral/protocol';
import { UsageError, type CliIO } from '../../../client/src/cli/commands.js';
import { exitCodeOf, quietProgram } from '../../../client/src/cli/program.js';
import type { CoordinationCluster } from '../api/index.js';
import { podName } from '../plan/names.js';
import { ANNOTATION, LABEL } from '../render/labels.js';
import { quotaTable, statusScreen } from './format.js';
import { Kubectl } from './kubectl.js';
import { ACCESS_MODES, clientAddress, Members, type AccessMode } from './members.js';
import { parseListQuota, quotaRows, type QuotaRow } from './quota.js';
import type { V1Pod } from '@kubernetes/client-node';

export interface Globals {
  namespace?: string;
  kubeconfig?: string;
  context?: string;
  via: AccessMode;
  kubectl: string;
}

/** Whom to hand leadership to: a server id, a member pod's name, or any up-to-date participant. */
export type Target = { serverId: number } | { pod: string } | 'any';

export type Invocation =
  | { command: 'status'; cluster: string; live: boolean }
  | { command: 'restart'; cluster: string }
  | { command: 'recover-quorum'; cluster: string }
  | { command: 'transfer-leadership'; cluster: string; to: Target }
  | { command: 'quota'; cluster: string }
  | { command: 'connect'; cluster: string; shell: boolean; args: string[] };

export interface Parsed {
  globals: Globals;
  invocation: Invocation;
}

const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function clusterName(value: string): string {
  if (!DNS_NAME.test(value)) throw new InvalidArgumentError(`not a CoordinationCluster name: ${value}`);
  return value;
}

export function parseTarget(value: string): Target {
  if (value === 'any') return 'any';
  if (/^\d+$/.test(value)) {
    const id = Number(value);
    if (id < 1 || id > 255) throw new InvalidArgumentError(`a server id is 1 to 255, not ${value}`);
    return { serverId: id };
  }
  if (DNS_NAME.test(value)) return { pod: value };
  throw new InvalidArgumentError(`expected a member (pod name or server id) or "any", not ${value}`);
}

/** Parses the command line; a number is the exit code when there is nothing to run (help, usage errors). */
export async function parseInvocation(argv: readonly string[], io: CliIO, env: NodeJS.ProcessEnv = process.env): Promise<Parsed | number> {
  let invocation: Invocation | undefined;
  const program = quietProgram(io)
    .name('kubectl corral')
    .description('Status and day-2 actions for Corral coordination clusters (CoordinationCluster, corral.dev/v1alpha1)')
    .option('-n, --namespace <namespace>', "the cluster's namespace (default: the context's)")
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .addOption(
      new Option('--via <mode>', 'how to reach members: exec (kubectl exec into a member pod) or pod-ip (dial pod IPs from here)')
        .choices(ACCESS_MODES)
        .default(env.KUBECTL_CORRAL_VIA ?? 'exec'),
    );

  program
    .command('status')
    .description('members, roles, leader, lag, quotas and conditions on one screen')
    .argument('<cluster>', 'CoordinationCluster name', clusterName)
    .option('--no-live', "only the cluster's status as the operator wrote it (do not ask the members)")
    .action((cluster: string, o: { live: boolean }) => void (invocation = { command: 'status', cluster, live: o.live }));

  program
    .command('restart')
    .description('restart every member, one at a time (sets the corral.dev/restartedAt annotation)')
    .argument('<cluster>', 'CoordinationCluster name', clusterName)
    .action((cluster: string) => void (invocation = { command: 'restart', cluster }));

  program
    .command('recover-quorum')
    .description(
      'after most voters were lost: rebuild the cluster from the surviving member with the most recent data (sets the corral.dev/recover-quorum annotation; writes after its last zxid may be lost)',
    )
    .argument('<cluster>', 'CoordinationCluster name', clusterName)
    .action((cluster: string) => void (invocation = { command: 'recover-quorum', cluster }));

  program
    .command('transfer-leadership')
    .description("hand leadership to a member, or to any up-to-date one, through the leader's AdminServer")
    .argument('<cluster>', 'CoordinationCluster name', clusterName)
    .option('--to <member>', 'pod name or server id of the new leader, or "any"', parseTarget, 'any' as Target)
    .action((cluster: string, o: { to: Target }) => void (invocation = { command: 'transfer-leadership', cluster, to: o.to }));

  program
    .command('quota')
    .description('quota usage against the limits declared in spec.quotas')
    .argument('<cluster>', 'CoordinationCluster name', clusterName)
    .action((cluster: string) => void (invocation = { command: 'quota', cluster }));

  program
    .command('connect')
    .description('print the connect string; with --shell open the corral shell, with a command run it (e.g. connect c1 -- ls /)')
    .argument('<cluster>', 'CoordinationCluster name', clusterName)
    .argument('[command...]', 'a corral command to run (zkCli syntax)')
    .option('--shell', 'open the interactive corral shell')
    .action((cluster: string, args: string[], o: { shell?: boolean }) => {
      if (o.shell && args.length > 0) throw new UsageError('--shell opens an interactive shell; give either --shell or a command');
      invocation = { command: 'connect', cluster, shell: !!o.shell, args };
    });

  program.allowExcessArguments(true); // after the subcommands, which keep the strict default
  program.action(() => {
    throw new UsageError(program.args.length > 0 ? `unknown command: ${program.args[0]} (see kubectl corral --help)` : 'a command is required (see kubectl corral --help)');
  });

  const code = await exitCodeOf(io, () => program.parseAsync([...argv], { from: 'user' }));
  if (code !== 0 || invocation === undefined) return code;
  const o = program.opts<{ namespace?: string; kubeconfig?: string; context?: string; via: AccessMode }>();
  return {
    globals: { namespace: o.namespace, kubeconfig: o.kubeconfig, context: o.context, via: o.via, kubectl: env.KUBECTL || 'kubectl' },
    invocation,
  };
}

/** Runs `kubectl corral <argv>`; resolves to the exit code. */
export async function runPlugin(argv: readonly string[], io: CliIO, env: NodeJS.ProcessEnv = process.env, now = () => new Date()): Promise<number> {
  const parsed = await parseInvocation(argv, io, env);
  if (typeof parsed === 'number') return parsed;
  const { globals, invocation } = parsed;
  const kubectl = new Kubectl({ binary: globals.kubectl, kubeconfig: globals.kubeconfig, context: globals.context, namespace: globals.namespace });
  const members = new Members(globals.via, kubectl);
  let code = 0;
  const failed = await exitCodeOf(io, async () => {
    code = await run(invocation, { kubectl, members, io, now, via: globals.via });
  });
  return failed || code;
}

interface Context {
  kubectl: Kubectl;
  members: Members;
  io: CliIO;
  now: () => Date;
  via: AccessMode;
}

async function run(inv: Invocation, ctx: Context): Promise<number> {
  const { kubectl, members, io } = ctx;
  const cc = await kubectl.cluster(inv.cluster);
  const name = `${cc.metadata.namespace}/${cc.metadata.name}`;
  switch (inv.command) {
    case 'restart': {
      const at = ctx.now().toISOString();
      await kubectl.annotate(cc, ANNOTATION.restartedAt, at);
      io.out(`${name}: restart requested (${ANNOTATION.restartedAt}=${at}); the operator restarts the members one at a time, keeping a quorum`);
      return 0;
    }
    case 'recover-quorum': {
      const available = cc.status?.conditions?.find((c) => c.type === 'Available');
      if (available?.status === 'True') throw new Error(`${name} has a serving quorum (${available.message}): there is nothing to recover`);
      const at = ctx.now().toISOString();
      await kubectl.annotate(cc, ANNOTATION.recoverQuorum, at);
      const degraded = cc.status?.conditions?.find((c) => c.type === 'Degraded' && c.status === 'True');
      io.out(
        `${name}: quorum recovery requested (${ANNOTATION.recoverQuorum}=${at}); the operator rebuilds the cluster from the surviving member ` +
          'with the most recent data, deletes the other members\' pods and volumes, and adds members back through reconfig. ' +
          `Writes after the survivor's last zxid may be lost: status.recovery and a Warning event name it.${degraded ? `\nNow: ${degraded.message}` : ''}`,
      );
      return 0;
    }
    case 'status': {
      const pods = await kubectl.pods(cc);
      let live: MembersReply | undefined;
      let liveError: string | undefined;
      let quotas = quotaRows(cc);
      if (inv.live) {
        try {
          const leader = await liveLeader(cc, pods, members);
          live = leader.reply;
          quotas = await withUsage(quotas, leader.pod, members).catch(() => quotas);
        } catch (err) {
          liveError = (err as Error).message;
        }
      }
      io.out(statusScreen({ cc, pods, live, liveError, quotas, now: ctx.now() }));
      return 0;
    }
    case 'quota': {
      const rows = quotaRows(cc);
      if (rows.length === 0) {
        io.out(`${name} declares no quotas (spec.quotas)`);
        return 0;
      }
      const pod = servingPod(cc, await kubectl.pods(cc));
      io.out(quotaTable(await withUsage(rows, pod, members)));
      return 0;
    }
    case 'transfer-leadership':
      return transferLeadership(cc, inv.to, ctx);
    case 'connect': {
      const pods = await kubectl.pods(cc);
      const server = ctx.via === 'pod-ip' ? podIPConnectString(cc, pods) : cc.status?.connectString;
      if (!server) throw new Error(`${name} has no members yet (no connect string in its status)`);
      if (!inv.shell && inv.args.length === 0) {
        io.out(server);
        return 0;
      }
      return members.shell(servingPod(cc, pods), server, inv.args, io);
    }
  }
}

/** The status's leader pod, if it exists. */
function leaderPod(cc: CoordinationCluster, pods: V1Pod[]): V1Pod | undefined {
  const leader = cc.status?.leader;
  return leader === undefined ? undefined : pods.find((p) => p.metadata?.name === leader && p.status?.podIP);
}

/**
 * The leader as the members say, with its `/commands/members` answer. The status's leader is asked first; it may
 * be out of date (leadership moved since the operator last looked), and then the member it names leads.
 */
async function liveLeader(cc: CoordinationCluster, pods: V1Pod[], members: Members): Promise<{ pod: V1Pod; reply: MembersReply }> {
  const byId = new Map(pods.filter((p) => p.status?.podIP).map((p) => [Number(p.metadata?.labels?.[LABEL.serverId]), p]));
  const first = leaderPod(cc, pods) ?? servingPod(cc, pods);
  const reply = parseMembersReply(await members.admin(first, 'members'));
  if (reply.self.server_state === 'leader') return { pod: first, reply };
  const named = reply.members.find((m) => m.is_leader);
  const pod = named && byId.get(named.id);
  if (!pod) throw new Error(`there is no leader (${first.metadata?.name} is ${reply.self.server_state})`);
  const leaderReply = parseMembersReply(await members.admin(pod, 'members'));
  if (leaderReply.self.server_state !== 'leader') throw new Error(`no member leads right now (${pod.metadata?.name} is ${leaderReply.self.server_state})`);
  return { pod, reply: leaderReply };
}

/** A member pod to run things in: the leader, else the first ready member. */
function servingPod(cc: CoordinationCluster, pods: V1Pod[]): V1Pod {
  const readyNames = new Set((cc.status?.members ?? []).filter((m) => m.ready).map((m) => m.name));
  const pod = leaderPod(cc, pods) ?? pods.find((p) => readyNames.has(p.metadata?.name ?? '') && p.status?.podIP);
  if (!pod) throw new Error(`${cc.metadata.namespace}/${cc.metadata.name} has no ready member to ask`);
  return pod;
}

/** Every member's pod IP and client port, in server id order: what a client outside the cluster DNS uses. */
function podIPConnectString(cc: CoordinationCluster, pods: V1Pod[]): string | undefined {
  const byName = new Map(pods.map((p) => [p.metadata?.name, p]));
  const addresses = (cc.status?.members ?? [])
    .map((m) => byName.get(m.name))
    .filter((p): p is V1Pod => !!p?.status?.podIP)
    .map(clientAddress);
  return addresses.length > 0 ? addresses.join(',') : undefined;
}

/** Each row with what the ensemble holds, read through one member (one listquota each, side by side). */
async function withUsage(rows: QuotaRow[], pod: V1Pod, members: Members): Promise<QuotaRow[]> {
  return Promise.all(rows.map(async (r) => ({ ...r, ensemble: parseListQuota(r.path, await members.corral(pod, ['listquota', r.path])) })));
}

async function transferLeadership(cc: CoordinationCluster, to: Target, ctx: Context): Promise<number> {
  const cluster = cc.metadata.name!;
  const name = `${cc.metadata.namespace}/${cluster}`;
  const memberList = cc.status?.members ?? [];
  let target: number | 'any' = 'any';
  if (to !== 'any') {
    const m = memberList.find((x) => ('serverId' in to ? x.serverId === to.serverId : x.name === to.pod));
    const asked = 'serverId' in to ? `server ${to.serverId}` : to.pod;
    if (!m) throw new Error(`${name} has no member ${asked} (members: ${memberList.map((x) => x.name).join(', ') || 'none'})`);
    if (m.role === 'observer') throw new Error(`${m.name} is an observer: observers never lead`);
    if (!m.leaderEligible) throw new Error(`${m.name} is a never-leader (its group has leaderEligible: false)`);
    target = m.serverId;
  }
  const { pod: leader, reply: view } = await liveLeader(cc, await ctx.kubectl.pods(cc), ctx.members);
  if (target !== 'any' && view.self.id === target) {
    ctx.io.out(`${leader.metadata!.name} leads already`);
    return 0;
  }
  const reply = await ctx.members.admin(leader, 'transfer_leadership', { to: String(target) }, 20_000);
  if (typeof reply.error === 'string') throw new Error(`${leader.metadata!.name} refused: ${reply.error}`);
  const [from, next, ms] = [reply.from, reply.to, reply.elapsed_ms];
  if (typeof from !== 'number' || typeof next !== 'number') throw new Error(`unexpected answer from ${leader.metadata!.name}: ${JSON.stringify(reply)}`);
  ctx.io.out(`${name}: leadership moved from ${podName(cluster, from)} to ${podName(cluster, next)}${typeof ms === 'number' ? ` in ${ms} ms` : ''}`);
  return 0;
}
