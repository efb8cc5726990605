import { ZooKeeperClient } from '../../../client/src/index.js';
import { testImage } from './pods.js';
import { waitUntil } from './wait.js';

/** Corral members as pods: the member image's `corral-pod` on a ConfigMap zoo.cfg and a claim for /data. */

export function zooCfgMap(name: string, lines: string[]) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name },
    data: { 'zoo.cfg': `${['tickTime=2000', 'initLimit=10', 'syncLimit=5', 'dataDir=/data', 'clientPort=2181', '4lw.commands.whitelist=*', ...lines].join('\n')}\n` },
  };
}

export function claim(name: string, storageClassName?: string) {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
      ...(storageClassName ? { storageClassName } : {}),
    },
  };
}

/** The pod spec of a member: its config and data volumes, its identity from the downward API. */
export function memberPodSpec(config: string, claimName?: string) {
  return {
    terminationGracePeriodSeconds: 30,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    containers: [
      {
        name: 'corral',
        image: testImage,
        imagePullPolicy: 'IfNotPresent',
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        ],
        ports: [
          { name: 'client', containerPort: 2181 },
          { name: 'quorum', containerPort: 2888 },
          { name: 'admin', containerPort: 8080 },
        ],
        volumeMounts: [
          { name: 'config', mountPath: '/etc/corral', readOnly: true },
          { name: 'data', mountPath: '/data' },
        ],
        readinessProbe: { tcpSocket: { port: 'client' }, periodSeconds: 1 },
        resources: { limits: { memory: '256Mi' } },
      },
    ],
    volumes: [
      { name: 'config', configMap: { name: config } },
      claimName ? { name: 'data', persistentVolumeClaim: { claimName } } : { name: 'data', emptyDir: {} },
    ],
  };
}

/**
 * Runs `work` with a client connected to `connectString`, retrying the whole attempt until it succeeds (a
 * member that just started, or an ensemble still electing, refuses sessions for a while).
 */
export async function withClient<T>(connectString: string, what: string, work: (zk: ZooKeeperClient) => Promise<T>, timeoutMs = 60_000): Promise<T> {
  return waitUntil(
    what,
    async () => {
      const zk = await ZooKeeperClient.connect(connectString, { sessionTimeout: 10_000, connectTimeout: 5_000, requestTimeout: 5_000 });
      try {
        return { value: await work(zk) };
      } finally {
        await zk.close().catch(() => {});
      }
    },
    { timeoutMs, intervalMs: 1_000 },
  ).then((r) => r.value);
}
