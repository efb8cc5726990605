import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ContainerConfigError, containerEnv, expandReferences, type ObjectLookup } from '../src/pods/env.js';

describe('expandReferences', () => {
  const vars: Record<string, string> = { A: 'x', B: 'y' };
  const lookup = (n: string) => vars[n];
  it.each([
    ['$(A)-$(B)', 'x-y'],
    ['$(MISSING)', '$(MISSING)'],
    ['$$(A)', '$(A)'],
    ['cost $5', 'cost $5'],
    ['$(A', '$(A'],
    ['tail$', 'tail$'],
  ])('%s → %s', (input, out) => expect(expandReferences(input, lookup)).toBe(out));
});

describe('containerEnv', () => {
  const pod: V1Pod = {
    metadata: { name: 'corral-1', namespace: 'zk', uid: 'u1', labels: { app: 'corral' } },
    spec: { nodeName: 'corral-node-2', containers: [] },
  };
  const objects: ObjectLookup = {
    configMap: (ns, name) => (ns === 'zk' && name === 'cfg' ? { data: { MODE: 'ensemble', PORT: '2181' } } : undefined),
    secret: (ns, name) => (ns === 'zk' && name === 'creds' ? { data: { PASSWORD: Buffer.from('s3cret').toString('base64') } } : undefined),
  };
  const addresses = { podIP: '127.1.0.2', hostIP: '127.0.0.12' };
  const service = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: '16443' };

  it('resolves the downward API, ConfigMap and Secret keys, and references to earlier entries', () => {
    const container: V1Container = {
      name: 'member',
      envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'ZK_' }],
      env: [
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'PASSWORD' } } },
        { name: 'ADDRESS', value: '$(POD_IP):$(ZK_PORT)' },
        { name: 'KUBERNETES_SERVICE_PORT', value: '443' },
      ],
    };
    const env = containerEnv(pod, container, addresses, objects, service);
    expect(Object.fromEntries(env)).toEqual({
      ZK_MODE: 'ensemble',
      ZK_PORT: '2181',
      POD_NAME: 'corral-1',
      POD_NAMESPACE: 'zk',
      POD_IP: '127.1.0.2',
      NODE: 'corral-node-2',
      APP: 'corral',
      PASSWORD: 's3cret',
      ADDRESS: '127.1.0.2:2181',
      KUBERNETES_SERVICE_PORT: '443',
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
    });
  });

  it('says which object or key is missing, unless the reference is optional', () => {
    const missing = (env: V1Container['env']) => () => containerEnv(pod, { name: 'c', env }, addresses, objects, {});
    expect(missing([{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }])).toThrow('configmap "nope" not found');
    expect(missing([{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }])).toThrow(
      'couldn\'t find key k in ConfigMap zk/cfg',
    );
    expect(missing([{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.bogus' } } }])).toThrow(ContainerConfigError);
    const env = containerEnv(pod, { name: 'c', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'nope', key: 'k', optional: true } } }] }, addresses, objects, {});
    expect(env.has('X')).toBe(false);
  });

  it('reads resource limits through resourceFieldRef with a divisor', () => {
    const container: V1Container = {
      name: 'c',
      resources: { limits: { memory: '256Mi', cpu: '500m' } },
      env: [
        { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        { name: 'CPU_M', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
      ],
    };
    const env = containerEnv({ ...pod, spec: { containers: [container] } }, container, addresses, objects, {});
    expect([env.get('MEM_MI'), env.get('CPU'), env.get('CPU_M')]).toEqual(['256', '1', '500']);
  });
});
