import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parseMembersReply } from '../../../protocol/src/admin-api.js';
import { probeFromReply } from '../../src/observe/probe.js';
import { observe, observedPod } from '../../src/observe/snapshot.js';
import type { CoordinationCluster } from '../../src/api/index.js';

const node = (ready: boolean): V1Node => ({ metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } });

function pod(labels: Record<string, string>, status: V1Pod['status'] = {}): V1Pod {
  return { metadata: { name: 'orders-2', namespace: 'prod', labels }, spec: { nodeName: 'n1', containers: [] }, status };
}

const memberLabels = { 'corral.dev/server-id': '2', 'corral.dev/group': 'east', 'corral.dev/role': 'participant', 'corral.dev/revision': 'r1', 'corral.dev/config-revision': 'c1' };

describe('observedPod', () => {
  it("reads a member pod's identity from its labels and its health from its status and node", () => {
    const p = pod(memberLabels, {
      phase: 'Running',
      podIP: '127.1.0.2',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: 'corral', restartCount: 2, ready: true, image: 'x', imageID: 'x' }],
    });
    expect(observedPod(p, () => node(false))).toEqual({
      name: 'orders-2',
      serverId: 2,
      group: 'east',
      role: 'participant',
      revision: 'r1',
      configRevision: 'c1',
      phase: 'Running',
      ready: true,
      deleting: false,
      restartCount: 2,
      podIP: '127.1.0.2',
      nodeReady: false,
    });
  });

  it('ignores pods without a valid server id', () => {
    expect(observedPod(pod({}), () => undefined)).toBeUndefined();
    expect(observedPod(pod({ ...memberLabels, 'corral.dev/server-id': 'x' }), () => undefined)).toBeUndefined();
  });
});

describe('observe', () => {
  it('records the finalizer, owned objects by hash and the probes', () => {
    const cc: CoordinationCluster = {
      apiVersion: 'corral.dev/v1alpha1',
      kind: 'CoordinationCluster',
      metadata: { name: 'orders', namespace: 'prod', uid: 'u', finalizers: ['corral.dev/reclaim'] },
      spec: { image: 'x' },
    };
    const reply = parseMembersReply({
      members: [{ id: 2, host: 'h', client_port: 2181, role: 'participant', never_leader: false, is_leader: true, lag: 0, connected: true, sync: null, change: null }],
      self: { id: 2, server_state: 'leader', last_zxid: '0x100000003', ready: true, connection_limits: { per_client_address: 60, total: 0 } },
    });
    const o = observe(
      { cluster: cc, pods: [pod(memberLabels)], pvcs: [], objects: { clientService: { metadata: { annotations: { 'corral.dev/hash': 'h1' } } } }, configRevisions: ['c1'], nodes: () => undefined },
      [probeFromReply(2, reply)],
      undefined,
    );
    expect(o.finalizer).toBe(true);
    expect(o.objects).toEqual({ clientService: 'h1' });
    expect(o.quotas).toBeUndefined();
    expect(o.probes[0]).toMatchObject({ answered: true, state: 'leader', zxid: '0x100000003', connectionLimits: { perClientAddress: 60, total: 0 } });
  });
});

describe('parseMembersReply', () => {
  it('names the field that is off', () => {
    expect(() => parseMembersReply({ members: [], self: { id: 1, server_state: 'leader', last_zxid: 'zz', ready: true, connection_limits: { per_client_address: 1, total: 0 } } })).toThrow(/last_zxid/);
    expect(() => parseMembersReply({ members: [{ id: 1 }], self: {} })).toThrow(/host/);
    expect(() => parseMembersReply({ error: 'This ZooKeeper instance is not currently serving requests' })).toThrow(/not currently serving/);
  });
});
