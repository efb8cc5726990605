import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testNamespace } from './support/kubectl.js';
import { applyObjects, condition, containerStatus, isReady, podEvents, scriptPod, waitForPod } from './support/pods.js';
import { waitUntil } from './support/wait.js';

// Readiness, liveness and startup probes as the kubelet runs them: exec inside the container, HTTP and TCP
// against the pod IP. The workloads change their own health after a while, so no test reaches into a
// container (and the same tests run on kind).

// Healthy on HTTP for 4 s after it starts, then answers 500.
const degrades = `
  const t0 = Date.now();
  require('http').createServer((q, s) => { s.statusCode = Date.now() - t0 < 4000 ? 200 : 500; s.end(); })
    .listen(8080, process.env.POD_IP);
  process.on('SIGTERM', () => process.exit(0));`;

// Writes /tmp/started when it starts; an exec liveness probe fails once that file is 3 s old.
const ages = `
  require('fs').writeFileSync('/tmp/started', '');
  process.on('SIGTERM', () => process.exit(0));
  setInterval(() => {}, 1 << 30);`;
const youngerThan3s = "process.exit(Date.now() - require('fs').statSync('/tmp/started').mtimeMs < 3000 ? 0 : 1)";

// Listens on TCP 9000 only after 8 s.
const slowStart = `
  setTimeout(() => require('net').createServer(() => {}).listen(9000, process.env.POD_IP), 8000);
  process.on('SIGTERM', () => process.exit(0));`;

describe('probes', () => {
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  beforeAll(async () => {
    ns = await testNamespace('e2e-probes');
  });
  afterAll(async () => {
    await ns?.remove();
  });

  it('makes a pod NotReady when its readiness probe starts failing, without restarting it', async () => {
    await applyObjects(
      ns.name,
      scriptPod('unready', degrades, {
        readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1, failureThreshold: 2 },
      }),
    );
    await waitForPod(ns.name, 'unready', 'Ready', isReady);
    const pod = await waitForPod(ns.name, 'unready', 'NotReady again', (p) => condition(p, 'Ready') === 'False');
    expect(pod.status!.conditions!.find((c) => c.type === 'Ready')).toMatchObject({
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [main]',
    });
    expect(containerStatus(pod)).toMatchObject({ ready: false, restartCount: 0 });
    expect(containerStatus(pod)?.state?.running).toBeTruthy();
    expect(pod.status!.phase).toBe('Running');
    const events = await waitUntil('an Unhealthy event', async () => {
      const all = await podEvents(ns.name, 'unready');
      return all.some((e) => e.startsWith('Unhealthy: Readiness probe failed')) ? all : undefined;
    });
    expect(events.join('\n')).toMatch(/statuscode: 500/);
  });

  it('restarts a container whose liveness probe fails, and the restart count rises', async () => {
    await applyObjects(
      ns.name,
      scriptPod('unlive', ages, {
        livenessProbe: { exec: { command: ['node', '-e', youngerThan3s] }, periodSeconds: 1, failureThreshold: 1, timeoutSeconds: 5 },
      }),
    );
    // The first restart is immediate, the second waits out the 10 s back-off: two restarts in well under a minute.
    const pod = await waitForPod(ns.name, 'unlive', 'restarted twice', (p) => (containerStatus(p)?.restartCount ?? 0) >= 2, 120_000);
    const last = containerStatus(pod)!.lastState?.terminated;
    expect(last).toBeTruthy();
    // Killed by the agent: SIGTERM, which the script answers with exit 0, or SIGKILL.
    expect([0, 137, 143]).toContain(last!.exitCode);
    const events = await podEvents(ns.name, 'unlive');
    expect(events.some((e) => e === 'Killing: Container main failed liveness probe, will be restarted')).toBe(true);
    expect(events.some((e) => e.startsWith('Unhealthy: Liveness probe failed'))).toBe(true);
  });

  it('holds readiness and liveness back until the startup probe passes', async () => {
    await applyObjects(
      ns.name,
      scriptPod('slow', slowStart, {
        startupProbe: { tcpSocket: { port: 9000 }, periodSeconds: 1, failureThreshold: 30 },
        livenessProbe: { tcpSocket: { port: 9000 }, periodSeconds: 1, failureThreshold: 1 },
      }),
    );
    const early = await waitForPod(ns.name, 'slow', 'running, not yet started', (p) => Boolean(containerStatus(p)?.state?.running));
    expect(containerStatus(early)).toMatchObject({ started: false, ready: false });
    const ready = await waitForPod(ns.name, 'slow', 'Ready', isReady);
    expect(containerStatus(ready)).toMatchObject({ started: true, ready: true, restartCount: 0 });
  });
});
