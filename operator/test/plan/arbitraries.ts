// fast-check generators for the planner's inputs: valid specs, and observed snapshots of clusters in any state —
// members in or out of the membership, pods missing, terminating, unready, at an old revision, volumes lost,
// members silent, disagreeing, catching up, a change in flight, no leader or a never-leader leading. Biased
// towards mostly healthy clusters so the deeper branches (scaling, rolling) are reached often.
import fc from 'fast-check';
import type { DesiredCluster, MemberEntry, MemberRole, Observed, ObservedPod, Probe } from '../../src/plan/types.js';
import { desiredCluster } from './fixtures.js';
import { validGroups } from './simulation.js';

export const NEW = 'new';
const GROUPS = ['g0', 'g1', 'g2'];

/** A value one time in five, else null. */
const rarely = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: arb, weight: 1 });

/** true with probability tenths/10. */
const likely = (tenths: number) => fc.integer({ min: 1, max: 100 }).map((n) => n <= tenths * 10);

export const desiredArb: fc.Arbitrary<DesiredCluster> = fc
  .record({
    groups: fc.array(
      fc.record({ voters: fc.integer({ min: 0, max: 3 }), observers: fc.integer({ min: 0, max: 1 }), leaderEligible: likely(8) }),
      { minLength: 1, maxLength: 3 },
    ),
    supervised: likely(2),
    approved: fc.boolean(),
    recovery: fc.constantFrom(undefined, 'r1', 'r2'),
    quotas: fc.subarray(['/a', '/b']),
  })
  .map(({ groups, supervised, approved, recovery, quotas }) =>
    desiredCluster(
      groups.map((g, i) => ({ ...g, name: GROUPS[i]!, revision: NEW })),
      {
        updateStrategy: supervised ? 'Supervised' : 'Automatic',
        ...(approved ? { leaderRestartApproved: NEW } : {}),
        ...(recovery ? { recoveryRequest: recovery } : {}),
        quotas: quotas.map((path) => ({ path, maxNodes: 10 })),
      },
    ),
  )
  .filter((d) => validGroups(d.groups));

interface ServerGen {
  role: MemberRole | null;
  group: string;
  pod: null | { current: boolean; ready: boolean; deleting: boolean; running: boolean; failed: boolean; nodeReady: boolean };
  pvc: null | { deleting: boolean };
  answered: boolean;
  sync: 'synced' | 'catchingUp' | 'silent';
  connected: boolean;
  zxid: number;
  /** Its view of the membership equals the leader's. */
  agrees: boolean;
  recorded: boolean;
}

const serverArb: fc.Arbitrary<ServerGen> = fc.record({
  role: fc.constantFrom<MemberRole | null>('participant', 'participant', 'participant', 'neverleader', 'observer', null, null),
  group: fc.constantFrom('g0', 'g0', 'g1', 'g2', 'gone'),
  pod: fc.option(
    fc.record({ current: fc.boolean(), ready: likely(8), deleting: likely(1), running: likely(9), failed: likely(0.5), nodeReady: likely(9) }),
    { freq: 6 },
  ),
  pvc: fc.option(fc.record({ deleting: likely(1) }), { freq: 8 }),
  answered: likely(8),
  sync: fc.constantFrom<'synced' | 'catchingUp' | 'silent'>('synced', 'synced', 'synced', 'catchingUp', 'silent'),
  connected: likely(9),
  zxid: fc.integer({ min: 0, max: 5 }),
  agrees: likely(8),
  recorded: likely(7),
});

interface Extras {
  leader: number | null;
  secondLeader: boolean;
  inFlight: number | null;
  recordedRecovery: string | undefined;
  managedQuotas: string[];
  setQuotas: string[];
}

const extrasArb = (ids: number[]): fc.Arbitrary<Extras> =>
  fc.record({
    leader: fc.option(fc.constantFrom(...ids), { freq: 6 }),
    secondLeader: likely(1),
    inFlight: rarely(fc.constantFrom(...ids)),
    recordedRecovery: fc.constantFrom(undefined, 'r1'),
    managedQuotas: fc.subarray(['/a', '/b', '/c']),
    setQuotas: fc.subarray(['/a', '/b', '/c']),
  });

/** Any cluster state at all: six servers with independent random properties. */
export const chaoticArb: fc.Arbitrary<Observed> = fc
  .tuple(fc.array(serverArb, { minLength: 6, maxLength: 6 }), extrasArb([1, 2, 3, 4, 5, 6]))
  .map(([servers, extras]) => snapshot(servers, extras));

/**
 * A cluster close to the spec: the membership the spec asks for, give or take a member or a role, with pods at the
 * old revision, unready, silent or missing here and there.
 */
export const nearSpecArb = (d: DesiredCluster): fc.Arbitrary<Observed> => {
  const slots = d.groups.flatMap((g) => [
    ...Array.from({ length: g.voters }, () => ({ group: g.name, role: (g.leaderEligible ? 'participant' : 'neverleader') as MemberRole })),
    ...Array.from({ length: g.observers }, () => ({ group: g.name, role: 'observer' as MemberRole })),
  ]);
  const perturbation = fc.record({
    current: likely(6),
    ready: likely(9.5),
    answered: likely(9.5),
    synced: likely(9.5),
    podMissing: likely(0.5),
    volumeMissing: likely(0.3),
    deleting: likely(0.5),
    evicted: likely(0.3),
    flipRole: likely(0.5),
  });
  const extra = rarely(fc.record({ group: fc.constantFrom(...GROUPS, 'gone'), role: fc.constantFrom<MemberRole>('participant', 'observer'), inMembership: likely(7) }));
  const ids = Array.from({ length: slots.length + 1 }, (_, i) => i + 1);
  return fc
    .tuple(fc.array(perturbation, { minLength: slots.length, maxLength: slots.length }), extra, rarely(fc.nat(slots.length - 1)), extrasArb(ids), likely(3))
    .map(([perturbations, extraMember, dropped, extras, onlyLeaderLeft]) => {
      const servers: ServerGen[] = slots.map((slot, i) => {
        const q = perturbations[i]!;
        const flipped: MemberRole = slot.role === 'participant' ? 'neverleader' : slot.role === 'neverleader' ? 'participant' : 'observer';
        return {
          role: i === dropped ? null : q.flipRole ? flipped : slot.role,
          group: slot.group,
          pod: q.podMissing ? null : { current: q.current, ready: q.ready && !q.evicted, deleting: q.deleting, running: true, failed: q.evicted, nodeReady: true },
          pvc: q.volumeMissing ? null : { deleting: false },
          answered: q.answered,
          sync: q.synced ? 'synced' : 'catchingUp',
          connected: true,
          zxid: 3,
          agrees: true,
          recorded: true,
        };
      });
      if (extraMember) {
        servers.push({
          role: extraMember.inMembership ? extraMember.role : null,
          group: extraMember.group,
          pod: { current: true, ready: true, deleting: false, running: true, failed: false, nodeReady: true },
          pvc: { deleting: false },
          answered: true,
          sync: 'synced',
          connected: true,
          zxid: 3,
          agrees: true,
          recorded: true,
        });
      }
      // Mostly a leader that may lead.
      const eligible = servers.flatMap((s, i) => (s.role === 'participant' ? [i + 1] : []));
      const leader = extras.leader !== null && eligible.length > 0 && extras.leader % 5 !== 0 ? eligible[extras.leader % eligible.length]! : extras.leader;
      // The end of a roll: everyone but the leader runs the new revision.
      if (onlyLeaderLeft) for (const [i, server] of servers.entries()) if (server.pod) server.pod.current = i + 1 !== leader;
      return snapshot(servers, { ...extras, leader, secondLeader: false });
    });
};

/** Specs with states of either kind. */
export const caseArb: fc.Arbitrary<[DesiredCluster, Observed]> = desiredArb.chain((d) =>
  fc.tuple(fc.constant(d), fc.oneof({ arbitrary: nearSpecArb(d), weight: 3 }, { arbitrary: chaoticArb, weight: 1 })),
);

/** The observed snapshot of servers 1..n described by `servers`. */
function snapshot(servers: ServerGen[], extras: Extras): Observed {
  const { leader, secondLeader, inFlight, recordedRecovery, managedQuotas, setQuotas } = extras;
  const IDS = servers.map((_, i) => i + 1);
  const byId = new Map(IDS.map((id, i) => [id, servers[i]!]));
  const membership = IDS.filter((id) => byId.get(id)!.role !== null);
  const answering = (id: number) => {
    const s = byId.get(id)!;
    return s.answered && s.pod !== null && s.pod.running && !s.pod.failed && !s.pod.deleting;
  };
  const leaderId = leader !== null && membership.includes(leader) && answering(leader) ? leader : undefined;

  const entries = (self: number, isLeaderView: boolean): MemberEntry[] =>
    membership.map((id) => {
      const s = byId.get(id)!;
      return {
        id,
        role: s.role!,
        isLeader: id === leaderId,
        lag: isLeaderView ? (s.sync === 'synced' ? 0 : 7) : null,
        connected: id === self || s.connected,
        sync: isLeaderView && id !== self ? s.sync : null,
        change: isLeaderView && id === inFlight ? 'leaving' : null,
      };
    });
  const probes: Probe[] = IDS.filter((id) => byId.get(id)!.pod).map((id): Probe => {
    const s = byId.get(id)!;
    if (!answering(id)) return { serverId: id, answered: false, error: 'timeout' };
    const isLeader = id === leaderId || (secondLeader && leaderId !== undefined && id !== leaderId && s.role === 'participant');
    let members = entries(id, id === leaderId);
    if (!s.agrees && id !== leaderId) members = members.slice(1);
    if (isLeader && id !== leaderId) members = members.map((e) => ({ ...e, isLeader: e.id === id }));
    return {
      serverId: id,
      answered: true,
      state: isLeader ? 'leader' : s.role === 'observer' ? 'observer' : s.role ? 'follower' : 'looking',
      zxid: `0x${s.zxid.toString(16)}`,
      members,
      connectionLimits: { perClientAddress: 60, total: 0 },
    };
  });
  const pods: ObservedPod[] = IDS.flatMap((id) => {
    const s = byId.get(id)!;
    if (!s.pod) return [];
    return [
      {
        name: `zk-${id}`,
        serverId: id,
        group: s.group,
        role: s.role === 'observer' ? 'observer' : 'participant',
        revision: s.pod.current ? NEW : 'old',
        configRevision: 'c1',
        phase: s.pod.failed ? 'Failed' : s.pod.running ? 'Running' : 'Pending',
        ready: s.pod.ready && s.pod.running && !s.pod.failed,
        deleting: s.pod.deleting,
        restartCount: 0,
        nodeReady: s.pod.nodeReady,
      },
    ];
  });
  return {
    finalizer: true,
    status: {
      members: IDS.filter((id) => byId.get(id)!.recorded && byId.get(id)!.role).map((id) => ({
        name: `zk-${id}`,
        serverId: id,
        group: byId.get(id)!.group,
        role: byId.get(id)!.role === 'observer' ? 'observer' : 'participant',
        leaderEligible: byId.get(id)!.role === 'participant',
        ready: false,
      })),
      conditions: [{ type: 'Available', status: 'False', reason: 'QuorumLost', message: '', lastTransitionTime: '2025-01-01T00:00:00Z' }],
      quotaPaths: managedQuotas,
      ...(recordedRecovery ? { recovery: { request: recordedRecovery, at: '2025-01-01T00:00:00Z' } } : {}),
    },
    pods,
    pvcs: IDS.flatMap((id) => {
      const s = byId.get(id)!;
      return s.pvc ? [{ name: `data-zk-${id}`, serverId: id, group: s.group, phase: 'Bound' as const, deleting: s.pvc.deleting, owned: true }] : [];
    }),
    objects: { membersService: 'h1', clientService: 'h1', superSecret: 's1', podDisruptionBudget: 'p1' },
    configMaps: ['c1'],
    probes,
    quotas: setQuotas.map((path) => ({ path, maxNodes: 10 })),
  };
}
