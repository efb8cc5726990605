// Prometheus output: parses as the text exposition format, carries ZooKeeper's metric names with values read
// from the view at scrape time, and the process metrics.
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/admin/http-listen.js';
import { startMetricsServer } from '../../src/admin/metrics.js';
import { fakeView, quorumView, type FakeView } from './fake-view.js';

interface Family {
  type: string;
  samples: Map<string, number>;
}

/** A strict reader of the Prometheus text format: every line is HELP, TYPE or `name[{labels}] value`. */
function parsePrometheus(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  let current: Family | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*$/.exec(line);
    if (m) continue;
    m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (gauge|counter|summary|histogram|untyped)$/.exec(line);
    if (m) {
      current = { type: m[2]!, samples: new Map() };
      families.set(m[1]!, current);
      continue;
    }
    // Values as Go's ParseFloat reads them (prom-client writes NaN as "Nan").
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+-]+|nan|[+-]inf)$/i.exec(line);
    if (!m || !current) throw new Error(`not Prometheus text: ${JSON.stringify(line)}`);
    current.samples.set(m[1]! + (m[2] ?? ''), Number(m[3]));
  }
  return families;
}

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function scrape(view: FakeView, path = '/metrics'): Promise<{ status: number; text: string }> {
  server = await startMetricsServer(view, { ...view.config.metrics, httpHost: '127.0.0.1', httpPort: 0 });
  const res = await fetch(`http://127.0.0.1:${server.port}${path}`);
  return { status: res.status, text: await res.text() };
}

describe('metrics', () => {
  it('exports ZooKeeper\'s gauge names with the view\'s values, plus the fsynctime summary', async () => {
    const { status, text } = await scrape(fakeView());
    expect(status).toBe(200);
    const families = parsePrometheus(text);
    const value = (name: string) => families.get(name)?.samples.get(name);
    expect(families.get('znode_count')?.type).toBe('gauge');
    expect([value('znode_count'), value('watch_count'), value('num_alive_connections'), value('outstanding_requests'),
      value('packets_received'), value('packets_sent'), value('avg_latency'), value('min_latency'), value('max_latency'),
      value('approximate_data_size'), value('ephemerals_count')]).toEqual([9, 3, 2, 0, 21, 21, 6.75, 0, 21, 66, 2]);
    expect(value('open_file_descriptor_count')).toBeGreaterThan(0);
    expect(families.get('fsynctime')).toEqual({ type: 'summary', samples: new Map([['fsynctime_sum', 10], ['fsynctime_count', 4]]) });
    expect(families.get('learners')?.samples.size).toBe(0);
    expect(families.get('build_info')).toEqual({ type: 'gauge', samples: new Map([['build_info{version="3.9.0-corral-0.1.0"}', 1]]) });
    expect(families.has('process_cpu_user_seconds_total')).toBe(true);
    expect(families.has('nodejs_heap_size_total_bytes')).toBe(true);
  });

  it('reads the view at each scrape', async () => {
    const view = quorumView('leader');
    const first = parsePrometheus((await scrape(view)).text);
    expect(first.get('learners')?.samples.get('learners')).toBe(2);
    expect(first.get('quorum_size')?.samples.get('quorum_size')).toBe(3);
    view.quorumView!.leader!.syncedFollowers = 1;
    view.stats.packetsReceived = 99;
    const res = await fetch(`http://127.0.0.1:${server!.port}/metrics`);
    const second = parsePrometheus(await res.text());
    expect(second.get('synced_followers')?.samples.get('synced_followers')).toBe(1);
    expect(second.get('packets_received')?.samples.get('packets_received')).toBe(99);
  });

  it('serves only /metrics', async () => {
    expect((await scrape(fakeView(), '/other')).status).toBe(404);
  });
});
