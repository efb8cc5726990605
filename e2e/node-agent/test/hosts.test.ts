import { describe, expect, it } from 'vitest';
import { dnsNames, renderHosts, type PodRecord, type ServiceRecord } from '../src/net/hosts.js';

const member = (i: number, ready: boolean, extra: Partial<PodRecord> = {}): PodRecord => ({
  namespace: 'zk',
  labels: { app: 'corral' },
  hostname: `corral-${i}`,
  subdomain: 'corral-hs',
  ip: `127.1.0.${i + 1}`,
  ready,
  terminating: false,
  ...extra,
});
const headless = (publishNotReadyAddresses: boolean): ServiceRecord => ({
  namespace: 'zk',
  name: 'corral-hs',
  selector: { app: 'corral' },
  headless: true,
  publishNotReadyAddresses,
});

describe('dnsNames', () => {
  it('names only ready pods behind a headless Service that does not publish not-ready addresses', () => {
    const names = dnsNames([member(0, true), member(1, false), member(2, true)], [headless(false)]);
    expect(names.map((n) => `${n.relative}=${n.ip}`)).toEqual([
      'corral-0.corral-hs=127.1.0.1',
      'corral-2.corral-hs=127.1.0.3',
      'corral-hs=127.1.0.1',
      'corral-hs=127.1.0.3',
    ]);
  });

  it('names every pod with an address when the Service publishes not-ready addresses, terminating ones too', () => {
    const pods = [member(0, false), member(1, false, { terminating: true }), member(2, false, { ip: undefined })];
    const names = dnsNames(pods, [headless(true)]).filter((n) => n.relative !== 'corral-hs');
    expect(names.map((n) => n.relative)).toEqual(['corral-0.corral-hs', 'corral-1.corral-hs']);
  });

  it('leaves out terminating pods, other namespaces, unmatched labels and selector-less Services', () => {
    const pods = [
      member(0, true, { terminating: true }),
      member(1, true, { namespace: 'other' }),
      member(2, true, { labels: { app: 'else' } }),
    ];
    const bare: ServiceRecord = { namespace: 'zk', name: 'manual', headless: true, publishNotReadyAddresses: true };
    expect(dnsNames(pods, [headless(false), bare])).toEqual([]);
  });

  it('gives pods of a ClusterIP Service only the Service name, and no per-pod names without a matching subdomain', () => {
    const svc: ServiceRecord = { ...headless(false), name: 'client', headless: false };
    const names = dnsNames([member(0, true), member(1, true, { subdomain: 'client' })], [svc]);
    expect(names.map((n) => n.relative)).toEqual(['client', 'client']);
  });
});

describe('renderHosts', () => {
  it('writes the pod itself, then every name in full, .svc and .<namespace> form, bare only for its own namespace', () => {
    const text = renderHosts(
      { ip: '127.1.0.1', hostname: 'corral-0', subdomain: 'corral-hs', namespace: 'zk' },
      [
        { ip: '127.1.0.2', namespace: 'zk', relative: 'corral-1.corral-hs' },
        { ip: '127.1.0.9', namespace: 'other', relative: 'db' },
      ],
    );
    const lines = text.trimEnd().split('\n');
    expect(lines[1]).toBe('127.0.0.1\tlocalhost');
    expect(lines).toContain('127.1.0.1\tcorral-0.corral-hs.zk.svc.cluster.local corral-0');
    expect(lines).toContain(
      '127.1.0.2\tcorral-1.corral-hs.zk.svc.cluster.local corral-1.corral-hs.zk.svc corral-1.corral-hs.zk corral-1.corral-hs',
    );
    expect(lines).toContain('127.1.0.9\tdb.other.svc.cluster.local db.other.svc db.other');
  });

  it('names a pod without a subdomain by its hostname only', () => {
    const text = renderHosts({ ip: '127.1.0.4', hostname: 'web-abc', namespace: 'default' }, []);
    expect(text.split('\n')).toContain('127.1.0.4\tweb-abc');
  });
});
