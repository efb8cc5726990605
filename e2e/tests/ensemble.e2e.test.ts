import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateMode } from '../../client/src/index.js';
import { hostsFileOf, onBed } from './support/bed.js';
import { testNamespace } from './support/kubectl.js';
import { memberPodSpec, withClient, zooCfgMap } from './support/members.js';
import { applyObjects, condition, idleScript, isReady, listPods, scriptPod, waitForPod } from './support/pods.js';
import { waitUntil } from './support/wait.js';

// Three members find each other by DNS names alone: each pod sets hostname and subdomain, a headless Service
// of that name publishes them, and the node agent's hosts files resolve `<pod>.<service>.<ns>.svc.cluster.local`.

const ids = [1, 2, 3];

describe.runIf(onBed)('an ensemble behind a headless Service', () => {
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  beforeAll(async () => {
    ns = await testNamespace('e2e-ensemble');
  });
  afterAll(async () => {
    await ns?.remove();
  });

  it('forms from three member pods that know each other only by name', async () => {
    const fqdn = (id: number) => `corral-${id}.corral-hs.${ns.name}.svc.cluster.local`;
    await applyObjects(
      ns.name,
      zooCfgMap('ensemble-config', ids.map((id) => `server.${id}=${fqdn(id)}:2888:3888;2181`)),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'corral-hs' },
        // Members must resolve each other before any is ready: an ensemble needs a quorum to become ready.
        spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: { app: 'corral' }, ports: [{ name: 'quorum', port: 2888 }] },
      },
      ...ids.map((id) => ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `corral-${id}`, labels: { app: 'corral' } },
        spec: { ...memberPodSpec('ensemble-config'), hostname: `corral-${id}`, subdomain: 'corral-hs' },
      })),
    );
    const pods = await Promise.all(ids.map((id) => waitForPod(ns.name, `corral-${id}`, 'Ready', isReady, 120_000)));
    const hosts = readFileSync(hostsFileOf(pods[0]!.metadata!.uid!), 'utf8');
    for (const pod of pods) expect(hosts).toContain(`${pod.status!.podIP}\t${pod.metadata!.name}.corral-hs.${ns.name}.svc.cluster.local`);

    // A write through one member is read back through another: they replicate, so they found each other.
    const [first, , third] = pods.map((p) => `${p.status!.podIP}:2181`);
    await withClient(first!, 'a write through corral-1', (zk) => zk.create('/ensemble', Buffer.from('one'), { mode: CreateMode.Persistent }), 90_000);
    const read = await withClient(third!, 'a read through corral-3', async (zk) => {
      await zk.sync('/ensemble');
      return (await zk.getData('/ensemble')).data?.toString();
    });
    expect(read).toBe('one');
  });

  it('lists only ready pods under a headless Service that does not publish not-ready addresses', async () => {
    // Ready only while /tmp/ready exists; `node -e` in an exec probe checks it.
    const probe = { exec: { command: ['node', '-e', "process.exit(require('fs').existsSync('/tmp/ready') ? 0 : 1)"] }, periodSeconds: 1 };
    const member = (name: string, ready: boolean) => ({
      ...scriptPod(name, `${ready ? "require('fs').writeFileSync('/tmp/ready', '');" : ''} ${idleScript}`, { readinessProbe: probe }),
      metadata: { name, labels: { app: 'strict' } },
    });
    await applyObjects(
      ns.name,
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'strict' }, spec: { clusterIP: 'None', selector: { app: 'strict' }, ports: [{ port: 80 }] } },
      ...[member('ready-one', true), member('unready-one', false)].map((p) => ({ ...p, spec: { ...p.spec, hostname: p.metadata.name, subdomain: 'strict' } })),
    );
    const ready = await waitForPod(ns.name, 'ready-one', 'Ready', isReady);
    const unready = await waitForPod(ns.name, 'unready-one', 'running, not ready', (p) => Boolean(p.status?.podIP) && condition(p, 'Ready') === 'False');
    const name = (pod: string) => `${pod}.strict.${ns.name}.svc.cluster.local`;
    // Every pod's file is rewritten in place as readiness changes. In the ready pod's own file, its first line
    // names itself whatever the Service says; the Service's record for it is a line of its own, with the
    // shorter forms after the full name.
    const hosts = await waitUntil('the ready pod listed', async () => {
      const text = readFileSync(hostsFileOf(ready.metadata!.uid!), 'utf8');
      return text.includes(`${ready.status!.podIP}\t${name('ready-one')} ready-one.strict.${ns.name}.svc `) ? text : undefined;
    });
    expect(hosts).not.toContain(name('unready-one'));
    expect(hosts).not.toContain(unready.status!.podIP);
    expect((await listPods(ns.name, 'app=strict')).length).toBe(2);
  });
});
