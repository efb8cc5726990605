// Prometheus metrics with the names ZooKeeper's PrometheusMetricsProvider exports (znode_count, watch_count,
// avg_latency, fsynctime, ...), read from the MemberView when scraped, plus Node.js process metrics. Served by
// startMetricsServer on metricsProvider.httpHost:httpPort (ZooKeeper's endpoint) and by the AdminServer.
import { createServer, type ServerResponse } from 'node:http';
import { Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { MetricsConfig } from '../config/member-config.js';
import type { MemberView } from './view.js';
import { Real } from './java-format.js';
import { monitorValues, type MonitorValue } from './monitor.js';
import { listen, type RunningServer } from './http-listen.js';

/**
 * ZooKeeper's gauge names, in mntr order. Leader-only ones have no sample elsewhere, as ZooKeeper registers them
 * only while leading. The fsync values form the fsynctime summary instead.
 */
const GAUGES: ReadonlyArray<readonly [string, string]> = [
  ['avg_latency', 'Average request latency in ms since the last stats reset'],
  ['max_latency', 'Maximum request latency in ms since the last stats reset'],
  ['min_latency', 'Minimum request latency in ms since the last stats reset'],
  ['packets_received', 'Client packets received since the last stats reset'],
  ['packets_sent', 'Client packets sent since the last stats reset'],
  ['num_alive_connections', 'Open client connections'],
  ['outstanding_requests', 'Requests received and not yet answered'],
  ['znode_count', 'Znodes in the data tree'],
  ['watch_count', 'Watch registrations'],
  ['ephemerals_count', 'Ephemeral znodes'],
  ['approximate_data_size', 'Approximate bytes of znode paths and data'],
  ['open_file_descriptor_count', 'Open file descriptors of the process'],
  ['max_file_descriptor_count', 'File descriptor limit of the process'],
  ['uptime', 'Milliseconds since the member started'],
  ['global_sessions', 'Sessions known to this member'],
  ['fsync_threshold_exceed_count', 'Fsyncs slower than the warning threshold'],
  ['quorum_size', 'Voting members in the ensemble'],
  ['learners', 'Followers and observers connected to this leader'],
  ['synced_followers', 'Followers in sync with this leader'],
  ['synced_observers', 'Observers in sync with this leader'],
  ['pending_syncs', 'Sync requests awaiting the leader'],
];

interface Sample {
  value: number;
  labels: Record<string, string>;
  metricName?: string;
}

/**
 * A metric whose samples are computed at scrape time. prom-client's Registry reads metrics only through
 * `get()`, and its Summary cannot be fed totals kept elsewhere (fsync count and time come from the log).
 */
class ScrapedMetric {
  readonly aggregator = 'sum';
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'gauge' | 'summary',
    private readonly samples: () => Sample[],
  ) {}

  get() {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.samples() };
  }

  reset(): void {}
}

const registries = new WeakMap<MemberView, Registry>();

/** The member's registry (one per view, so the admin and metrics servers share it). */
export function metricsRegistry(view: MemberView): Registry {
  let registry = registries.get(view);
  if (!registry) registries.set(view, (registry = createRegistry(view)));
  return registry;
}

function createRegistry(view: MemberView): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // The registry calls every get() in one synchronous pass, so one snapshot per scrape serves all metrics.
  let snapshot: Map<string, MonitorValue> | undefined;
  const current = (): Map<string, MonitorValue> => {
    if (!snapshot) {
      snapshot = new Map(monitorValues(view));
      queueMicrotask(() => (snapshot = undefined));
    }
    return snapshot;
  };
  const numeric = (key: string): number | undefined => {
    const v = current().get(key);
    return v instanceof Real ? v.value : typeof v === 'number' ? v : undefined;
  };
  const register = (m: ScrapedMetric) => registry.registerMetric(m as unknown as Metric);
  for (const [name, help] of GAUGES) {
    register(new ScrapedMetric(name, help, 'gauge', () => {
      const value = numeric(name);
      return value === undefined ? [] : [{ value, labels: {} }];
    }));
  }
  // The zookeeper exporters' convention for the version mntr reports: an info series worth 1, the version a label
  // (without mntr's build date, which would make a new series for every build).
  register(new ScrapedMetric('build_info', 'The version this member reports (mntr zk_version), as a label', 'gauge', () => [
    { value: 1, labels: { version: view.version } },
  ]));
  register(new ScrapedMetric('fsynctime', 'Time in ms to fsync the transaction log', 'summary', () => [
    { metricName: 'fsynctime_sum', value: numeric('sum_fsynctime') ?? 0, labels: {} },
    { metricName: 'fsynctime_count', value: numeric('cnt_fsynctime') ?? 0, labels: {} },
  ]));
  return registry;
}

/** ZooKeeper's PrometheusMetricsProvider endpoint: `/metrics` on metricsProvider.httpHost:httpPort. */
export function startMetricsServer(view: MemberView, config: MetricsConfig = view.config.metrics): Promise<RunningServer> {
  const registry = metricsRegistry(view);
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    } else if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found\n');
    } else {
      void serveMetrics(registry, res);
    }
  });
  return listen(server, config.httpHost, config.httpPort);
}

/** Writes the registry's text exposition to `res` (shared with the AdminServer). */
export async function serveMetrics(registry: Registry, res: ServerResponse): Promise<void> {
  try {
    const text = await registry.metrics();
    res.writeHead(200, { 'Content-Type': registry.contentType }).end(text);
  } catch (err) {
    res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${(err as Error).message}\n`);
  }
}
