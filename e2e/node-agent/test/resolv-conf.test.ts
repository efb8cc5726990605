import { describe, expect, it } from 'vitest';
import { renderResolvConf } from '../src/net/resolv-conf.js';

describe('renderResolvConf', () => {
  it('points at a loopback address with ClusterFirst search domains', () => {
    expect(renderResolvConf('zk', undefined, undefined)).toBe(
      'nameserver 127.0.0.1\nsearch zk.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n',
    );
  });

  it('adds the pod dnsConfig, which replaces options of the same name', () => {
    const text = renderResolvConf('zk', 'ClusterFirst', { searches: ['example.test'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] });
    expect(text).toBe('nameserver 127.0.0.1\nsearch zk.svc.cluster.local svc.cluster.local cluster.local example.test\noptions ndots:2 edns0\n');
  });

  it('takes dnsConfig alone under dnsPolicy None', () => {
    expect(renderResolvConf('zk', 'None', { nameservers: ['127.0.0.9'] })).toBe('nameserver 127.0.0.9\n');
  });
});
