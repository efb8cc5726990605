// The members view an operator reads (/commands/members): in the middle of a joint change it lists both halves and
// says who joins and who leaves; on the leader it says how each replica keeps up.
import { describe, expect, it } from 'vitest';
import { parseServerSpec } from '../../src/config/server-line.js';
import { decodeConfig } from '../../src/consensus/membership.js';
import { MsgType } from '../../src/consensus/messages.js';
import { EntryKind } from '../../src/consensus/types.js';
import { memberStatuses } from '../../src/member/ensemble-status.js';
import { Cluster, membershipOf } from '../consensus/cluster.js';

const specs = [1, 2, 3, 4, 5].map((id) => parseServerSpec(id, `127.0.0.${id}:2888:3888:participant;${2180 + id}`));

describe('memberStatuses', () => {
  it('lists both halves of a joint configuration, with who joins and who leaves, and the leader’s view of each', () => {
    const c = new Cluster(membershipOf([1, 2, 3]), 1, {}, {}, [4, 5]);
    c.elect(1);
    c.catchUp(1, [4, 5]);
    // Hold back the entry that leaves the joint configuration, so the leader stays in it.
    c.filters.push((m) => m.type === MsgType.Append && (m.entries ?? []).some((e) => e.kind === EntryKind.Config && decodeConfig(e.data).changes.length === 0));
    const leader = c.node(1).core;
    expect(leader.proposeMembership([{ id: 2, role: 'removed' }, { id: 3, role: 'removed' }, { id: 4, role: 'voter' }, { id: 5, role: 'observer' }]).ok).toBe(true);
    c.stabilize();
    expect(leader.membership.outgoing).toBeDefined();

    const view = memberStatuses(leader, 1, specs, () => true);
    expect(view.map((m) => [m.id, m.role, m.change, m.sync, m.host])).toEqual([
      [1, 'participant', null, null, '127.0.0.1'],
      [2, 'participant', 'leaving', 'synced', '127.0.0.2'],
      [3, 'participant', 'leaving', 'synced', '127.0.0.3'],
      [4, 'participant', 'joining', 'synced', '127.0.0.4'],
      [5, 'observer', 'joining', 'synced', '127.0.0.5'],
    ]);
    expect(view.find((m) => m.id === 1)?.is_leader).toBe(true);

    // A follower knows the configuration but not how others keep up.
    const onFollower = memberStatuses(c.node(2).core, 2, specs, () => true);
    expect(onFollower.every((m) => m.sync === null && m.lag === null)).toBe(true);
  });

  it('on a leader catching servers up before a change, lists them as joining with their sync state', () => {
    const c = new Cluster(membershipOf([1, 2, 3]), 1, {}, {}, [4, 5]);
    c.elect(1);
    c.isolate(5);
    c.catchUp(1, [4, 5]);
    // 5 never answered; a server the core does not stage (6) is left out.
    const withSix = [...specs, parseServerSpec(6, '127.0.0.6:2888:3888:observer;2186')];
    const view = memberStatuses(c.node(1).core, 1, withSix, () => true, [4, 5, 6]);
    expect(view.map((m) => [m.id, m.role, m.change, m.sync])).toEqual([
      [1, 'participant', null, null],
      [2, 'participant', null, 'synced'],
      [3, 'participant', null, 'synced'],
      [4, 'participant', 'joining', 'synced'],
      [5, 'participant', 'joining', 'silent'],
    ]);
  });
});
