#!/usr/bin/env node
// corral-operator: reconciles CoordinationClusters. Runs in a pod (in-cluster credentials) or, for development,
// from a workstation with a kubeconfig. With leader election on, only the replica holding the Lease acts; the
// others wait, ready to take over.
import { createServer } from 'node:http';
import { hostname } from 'node:os';
import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import { Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { EventRecorder } from './kube/events.js';
import { kubernetesLeaseStore, LeaderElector } from './kube/leader-election.js';
import { Reconciler } from './reconciler.js';

const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('not a port number');
  return n;
};

const program = new Command('corral-operator')
  .description('Kubernetes operator for Corral coordination clusters (CoordinationCluster, corral.dev/v1alpha1)')
  .option('--kubeconfig <path>', 'kubeconfig to use (default: in-cluster credentials, else $KUBECONFIG or ~/.kube/config)')
  .option('--namespace <ns>', 'watch only this namespace (default: all; env WATCH_NAMESPACE)', process.env.WATCH_NAMESPACE || undefined)
  // The pod's own IP when known: pods sharing one network namespace (host networking) then do not collide.
  .option('--http-address <host>', 'address of the metrics and health endpoints (default: $POD_IP, else 0.0.0.0)', process.env.POD_IP || '0.0.0.0')
  .option('--http-port <port>', 'port of /metrics, /healthz and /readyz', port, 8081)
  .option('--no-leader-elect', 'act without holding the Lease (only ever run one replica this way)')
  .option('--lease-namespace <ns>', 'namespace of the leader-election Lease (env POD_NAMESPACE)', process.env.POD_NAMESPACE || 'default')
  .option('--lease-name <name>', 'name of the leader-election Lease', 'corral-operator')
  .option('--log-level <level>', 'pino log level', process.env.CORRAL_LOG_LEVEL || 'info')
  .parse();

const opts = program.opts<{
  kubeconfig?: string;
  namespace?: string;
  httpAddress: string;
  httpPort: number;
  leaderElect: boolean;
  leaseNamespace: string;
  leaseName: string;
  logLevel: string;
}>();

const log = pino({ name: 'corral-operator', level: opts.logLevel });
const config = new KubeConfig();
if (opts.kubeconfig) config.loadFromFile(opts.kubeconfig);
else config.loadFromDefault();

const identity = process.env.POD_NAME || hostname();
const registry = new Registry();
collectDefaultMetrics({ register: registry });
const reconciler = new Reconciler(config, new EventRecorder(config, 'corral-operator', identity), log, registry, opts.namespace ? { namespace: opts.namespace } : {});

let leading = !opts.leaderElect;
const http = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/metrics') {
    void registry.metrics().then((body) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(body));
  } else if (path === '/healthz') {
    res.writeHead(200).end('ok\n');
  } else if (path === '/readyz') {
    // A standby replica is ready (it can take over); the leader once its caches are filled.
    const ready = !leading || reconciler.isSynced;
    res.writeHead(ready ? 200 : 503).end(ready ? 'ok\n' : 'caches not synced\n');
  } else {
    res.writeHead(404).end('not found\n');
  }
});
http.listen(opts.httpPort, opts.httpAddress, () => log.info({ address: opts.httpAddress, port: opts.httpPort }, 'serving metrics and health'));

const startReconciling = () => {
  leading = true;
  reconciler.start().then(
    () => log.info({ namespace: opts.namespace ?? 'all' }, 'caches synced; reconciling'),
    (err) => {
      log.error({ err: String(err) }, 'could not start the informers');
      process.exit(1);
    },
  );
};

const elector = opts.leaderElect
  ? new LeaderElector(
      kubernetesLeaseStore(config.makeApiClient(CoordinationV1Api), opts.leaseNamespace, opts.leaseName),
      identity,
      {
        onStartedLeading: startReconciling,
        // Another replica may be acting already: stop at once, and let the Deployment restart this one as a candidate.
        onStoppedLeading: () => process.exit(1),
      },
      undefined,
      undefined,
      log,
    )
  : undefined;
if (elector) elector.start();
else startReconciling();

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    void (async () => {
      await reconciler.stop();
      await elector?.stop();
      http.close();
      process.exit(0);
    })();
  });
}
