#!/usr/bin/env node
// The test bed's node agent: plays the kubelet for a few Nodes, running their pods as podman containers.
// See e2e/README.md for what it does and what it leaves out.
import { dirname, join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { Agent, removeAllContainers } from './agent.js';
import { Podman } from './runtime/podman.js';

const int = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
};

const program = new Command('node-agent')
  .description('Plays the kubelet for test-bed Nodes, running their pods as podman containers')
  .requiredOption('--kubeconfig <path>', 'kubeconfig with cluster-admin rights')
  .requiredOption('--state-dir <dir>', 'per-pod directories (volumes, hosts files)')
  .option('--volumes-dir <dir>', 'where provisioned volumes live (default: <state-dir>/../volumes)')
  .option('--nodes <n>', 'how many Nodes to run (corral-node-1..n)', int, 3)
  .option('--pod-ip-prefix <a.b>', 'pods get addresses <a.b>.x.y (another bed on the machine needs another prefix)', '127.1')
  .option('--control-port <port>', 'loopback port of the control endpoint', int, 16480)
  .option('--node-cpu <quantity>', 'CPU each Node advertises', '4')
  .option('--node-memory <quantity>', 'memory each Node advertises', '8Gi')
  .option('--max-pods <n>', 'pods each Node advertises room for', '110')
  .option('--backoff-initial-ms <ms>', 'first restart back-off delay (the kubelet uses 10 s)', int, 10_000)
  .option('--backoff-max-ms <ms>', 'restart back-off cap (the kubelet uses 5 min)', int, 300_000)
  .option('--api-server <host:port>', 'what pods get as KUBERNETES_SERVICE_HOST/PORT', '127.0.0.1:16443')
  .option('--leave-containers', 'on SIGTERM/SIGINT leave containers running, for the next agent to adopt')
  .option('--clean', 'remove every container the agent of this --state-dir made, then exit')
  .option('--log-level <level>', 'pino log level', process.env.CORRAL_LOG_LEVEL ?? 'info');

async function main(): Promise<void> {
  program.parse();
  const o = program.opts();
  const log = pino({ name: 'node-agent', level: o.logLevel as string });
  if (o.clean) {
    await removeAllContainers(new Podman(), o.stateDir as string, log);
    return;
  }
  if (!/^127\.\d{1,3}$/.test(o.podIpPrefix as string)) throw new InvalidArgumentError('--pod-ip-prefix must be 127.N (pod IPs stay on loopback)');
  const stateDir = resolve(o.stateDir as string);
  const [host, port] = (o.apiServer as string).split(':') as [string, string];
  const agent = await Agent.start(
    {
      kubeconfig: o.kubeconfig as string,
      stateDir,
      volumesDir: resolve((o.volumesDir as string | undefined) ?? join(dirname(stateDir), 'volumes')),
      nodes: o.nodes as number,
      podIPPrefix: o.podIpPrefix as string,
      controlPort: o.controlPort as number,
      capacity: { cpu: o.nodeCpu as string, memory: o.nodeMemory as string, pods: o.maxPods as string },
      backoff: { initialMs: o.backoffInitialMs as number, maxMs: o.backoffMaxMs as number },
      apiServer: { host, port },
    },
    log,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, leaveContainers: Boolean(o.leaveContainers) }, 'shutting down');
    agent.stop(!o.leaveContainers).then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`node-agent: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
