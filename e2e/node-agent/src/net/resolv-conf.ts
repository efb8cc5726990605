import type { V1PodDNSConfig } from '@kubernetes/client-node';

/**
 * The pod's /etc/resolv.conf. There is no cluster DNS server: names come from the hosts file, and the
 * nameserver is a loopback address where nothing answers, so a name that is not there fails at once
 * instead of being sent to the machine's resolver (nothing may leave 127.0.0.0/8). The search path is
 * ClusterFirst's, so resolvers that expand short names still try the forms the hosts file holds.
 * `dnsPolicy: None` takes the pod's dnsConfig alone; otherwise its dnsConfig is added, as the kubelet does.
 */
export function renderResolvConf(namespace: string, dnsPolicy: string | undefined, dnsConfig: V1PodDNSConfig | undefined, domain = 'cluster.local'): string {
  const own = dnsPolicy === 'None';
  const nameservers = [...(own ? [] : ['127.0.0.1']), ...(dnsConfig?.nameservers ?? [])];
  const searches = [...(own ? [] : [`${namespace}.svc.${domain}`, `svc.${domain}`, domain]), ...(dnsConfig?.searches ?? [])];
  const options = new Map<string, string | undefined>(own ? [] : [['ndots', '5']]);
  for (const o of dnsConfig?.options ?? []) if (o.name) options.set(o.name, o.value);
  const lines = nameservers.map((n) => `nameserver ${n}`);
  if (searches.length > 0) lines.push(`search ${[...new Set(searches)].join(' ')}`);
  if (options.size > 0) lines.push(`options ${[...options].map(([k, v]) => (v === undefined ? k : `${k}:${v}`)).join(' ')}`);
  return `${lines.join('\n')}\n`;
}
