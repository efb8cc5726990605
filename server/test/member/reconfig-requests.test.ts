// ReconfigRequests on one member: a request changing several members updates /zookeeper/config once (one new
// version) when its joint entry applies, keeps the leaving members reachable until the joint config is left,
// and is answered only then.
import { describe, expect, it } from 'vitest';
import { CONFIG_PATH, ErrorCode } from '../../../protocol/src/constants.js';
import type { ClientResponse, ReconfigRequest } from '../../../protocol/src/records.js';
import type { MemberConfig } from '../../src/config/member-config.js';
import { parseServerSpec, type ServerSpec } from '../../src/config/server-line.js';
import { encodeConfig, type MembershipChange } from '../../src/consensus/membership.js';
import { EntryKind, type Membership } from '../../src/consensus/types.js';
import { ReplicatedState } from '../../src/state/apply.js';
import { ReconfigRequests } from '../../src/member/reconfig-requests.js';
import { committedOp, serversAfterLog } from '../../src/state/committed-entry.js';
import type { MembershipRefusal } from '../../src/member/replicator.js';

const line = (id: number, role = 'participant') => `server.${id}=127.0.0.1:${2880 + id}:${3880 + id}:${role};${2180 + id}`;
const spec = (id: number, role = 'participant'): ServerSpec => parseServerSpec(id, line(id, role).split('=')[1]!);
const sets = (voters: number[], observers: number[] = []) => ({ voters, neverLeaders: [], observers });

/** `refusals`: what the leader answers the first proposals with (then it takes them). */
function setup(refusals: MembershipRefusal[] = [], skipACL = true) {
  const state = new ReplicatedState({ enforceQuota: false, extendedTypesEnabled: false, skipAcl: skipACL });
  state.initServers([spec(1), spec(2), spec(3)], 0x100000000);
  const proposed: MembershipChange[][] = [];
  const peers: number[][] = [];
  const events: string[] = [];
  const requests = new ReconfigRequests({
    config: { reconfigEnabled: true, standalone: false, skipACL, tickTime: 2 } as MemberConfig,
    log: { info: () => {} } as never,
    replicated: () => state,
    proposeMembership: async (changes) => {
      proposed.push(changes);
      return refusals.shift();
    },
    serversChanged: (servers) => peers.push(servers.map((s) => s.id).sort()),
    // A reply's bytes name its index in `replies`.
    reply: (_xid: number, err: ErrorCode, body?: ClientResponse) => Buffer.from(String(replies.push({ err, body }) - 1)),
    now: Date.now,
    after: (ms, fn) => setTimeout(fn, ms),
  });
  const replies: Array<{ err: ErrorCode; body?: ClientResponse }> = [];
  let closed = 0;
  const answers: Array<{ xid: number; reply: { err: ErrorCode; body?: ClientResponse }; zxid: number }> = [];
  /** Requests refused before any proposal, by error name. */
  const refused: string[] = [];
  const conn = {
    readOnly: false,
    auth: [],
    expectWrite: () => ({}),
    answer: (_xid: number, _type: number, make: () => Buffer) => refused.push(ErrorCode[replies[Number(make().toString())]!.err]),
    complete: (xid: number, reply: Buffer, zxid: number) => answers.push({ xid, reply: replies[Number(reply.toString())]!, zxid }),
    close: () => closed++,
  } as unknown as Parameters<ReconfigRequests['handle']>[0];
  const ask = (r: Partial<ReconfigRequest>) =>
    requests.handle(conn, 7, { joiningServers: null, leavingServers: null, newMembers: null, curConfigId: -1, ...r });
  let index = 10;
  /** A config entry committed: applied by the one apply function, then handed to the requests, as the request path does. */
  const commit = (changes: MembershipChange[], membership: Membership, zxid: number) => {
    const op = committedOp({ index: index++, term: 1, kind: EntryKind.Config, data: encodeConfig({ changes, membership }) });
    if (op.kind !== 'config') throw new Error(`a config entry decoded as ${op.kind}`);
    const result = state.apply(op, zxid);
    events.push(...result.events.map((e) => e.path));
    requests.applied(op, result);
  };
  return { state, requests, proposed, peers, events, answers, refused, ask, commit, closed: () => closed };
}

const configText = (state: ReplicatedState) => state.tree.get(CONFIG_PATH)!.data!.toString();

describe('reconfig requests changing several members', () => {
  it('adding two: one new config version at the joint entry, answered when the joint config is left', async () => {
    const t = setup();
    t.ask({ joiningServers: `${line(4)},${line(5)}` });
    await Promise.resolve();
    expect(t.proposed).toHaveLength(1);
    const changes = t.proposed[0]!;
    expect(changes.map((c) => c.id)).toEqual([4, 5]);

    t.commit(changes, { ...sets([1, 2, 3, 4, 5]), outgoing: sets([1, 2, 3]) }, 0x100000005);
    expect(t.state.configVersion).toBe(0x100000005);
    expect(configText(t.state)).toBe([1, 2, 3, 4, 5].map((id) => line(id).replace(';', ';0.0.0.0:')).join('\n') + '\nversion=100000005');
    expect(t.events).toEqual([CONFIG_PATH]);
    expect(t.answers).toEqual([]); // not before the joint config is left

    t.commit([], sets([1, 2, 3, 4, 5]), 0x100000006);
    expect(t.answers).toHaveLength(1);
    expect(t.answers[0]!.zxid).toBe(0x100000006);
    expect(t.answers[0]!.reply.err).toBe(ErrorCode.Ok);
    expect(t.answers[0]!.reply.body).toMatchObject({ data: Buffer.from(configText(t.state)), stat: { mzxid: 0x100000005 } });
    expect(t.state.configVersion).toBe(0x100000005); // the leave entry adds no version
    expect(t.state.lastZxid).toBe(0x100000006);
    expect(t.events).toEqual([CONFIG_PATH]);
  });

  it('members removed by a joint config stay peers until it is left, and a little longer', async () => {
    const t = setup();
    t.ask({ leavingServers: '2,3', joiningServers: `${line(4)},${line(5)}` });
    const changes = t.proposed[0]!;
    t.commit(changes, { ...sets([1, 4, 5]), outgoing: sets([1, 2, 3]) }, 0x100000007);
    expect([...t.state.servers.keys()].sort()).toEqual([1, 4, 5]);
    expect(t.peers.at(-1)).toEqual([1, 2, 3, 4, 5]);
    t.commit([], sets([1, 4, 5]), 0x100000008);
    expect(t.peers.at(-1)).toEqual([1, 2, 3, 4, 5]);
    await new Promise((r) => setTimeout(r, 20));
    expect(t.peers.at(-1)).toEqual([1, 4, 5]);
  });

  it('joiners the leader here catches up are peers from then on, and stay so as members', async () => {
    const t = setup();
    t.ask({ joiningServers: `${line(4)},${line(5)}` });
    const changes = t.proposed[0]!;
    t.requests.stage(changes);
    expect(t.peers.at(-1)).toEqual([1, 2, 3, 4, 5]);
    t.commit(changes, { ...sets([1, 2, 3, 4, 5]), outgoing: sets([1, 2, 3]) }, 0x100000005);
    t.commit([], sets([1, 2, 3, 4, 5]), 0x100000006);
    expect(t.peers.at(-1)).toEqual([1, 2, 3, 4, 5]);
    // A later change that removes one of them drops it: the staged list ended when they became members.
    t.commit([{ id: 5, role: 'removed' }], sets([1, 2, 3, 4]), 0x100000007);
    expect(t.peers.at(-1)).toEqual([1, 2, 3, 4, 5]); // departing, for a grace period
    await new Promise((r) => setTimeout(r, 20));
    expect(t.peers.at(-1)).toEqual([1, 2, 3, 4]);
  });

  it("a line the member's own zoo.cfg listed ahead of the ensemble goes at the first change: every member shows the same config", () => {
    const t = setup();
    t.state.initServers([spec(5)], 0x100000000); // a joiner started with the desired five, of which 4 is added alone
    t.commit([{ id: 4, role: 'voter', info: { spec: spec(4), time: 0 } }], sets([1, 2, 3, 4]), 0x100000005);
    expect([...t.state.servers.keys()].sort()).toEqual([1, 2, 3, 4]);
    expect(configText(t.state)).not.toContain('server.5');
    expect(t.peers.at(-1)).toEqual([1, 2, 3, 4]); // never a member: not kept as a departing peer either
  });

  it('recovers the server lines a log of config entries leads to, history replayed in order', () => {
    const entry = (changes: MembershipChange[], membership: Membership) => ({ index: 1, term: 1, kind: EntryKind.Config, data: encodeConfig({ changes, membership }) });
    const base = new Map([1, 2, 3].map((id) => [id, spec(id)]));
    const after = serversAfterLog(base, [
      entry([4, 5].map((id) => ({ id, role: 'voter' as const, info: { spec: spec(id), time: 0 } })), { ...sets([1, 2, 3, 4, 5]), outgoing: sets([1, 2, 3]) }),
      entry([], sets([1, 2, 3, 4, 5])),
      entry([{ id: 5, role: 'removed' }, { id: 2, role: 'observer' }], { ...sets([1, 3, 4], [2]), outgoing: sets([1, 2, 3, 4, 5]) }),
      { index: 4, term: 1, kind: EntryKind.Normal, data: new Uint8Array() },
    ]);
    expect([...after.values()].sort((a, b) => a.id - b.id).map((s) => `${s.id}:${s.role}`)).toEqual(['1:participant', '2:observer', '3:participant', '4:participant']);
    expect(after.get(2)!.quorumPort).toBe(spec(2).quorumPort);
  });

  it('withdrawn joiners are peers no more', () => {
    const t = setup();
    t.requests.stage([{ id: 4, role: 'voter', info: { spec: spec(4), time: 0 } }]);
    expect(t.peers.at(-1)).toEqual([1, 2, 3, 4]);
    t.requests.stage([]);
    expect(t.peers.at(-1)).toEqual([1, 2, 3]);
  });

  it('a single change is answered when its entry applies', () => {
    const t = setup();
    t.ask({ joiningServers: line(4, 'observer') });
    t.commit(t.proposed[0]!, sets([1, 2, 3], [4]), 0x100000009);
    expect(t.answers.map((a) => a.zxid)).toEqual([0x100000009]);
  });

  it('proposes again while leadership moves (a leader the request removes hands over first), then answers', async () => {
    const t = setup(['transferring', 'transferring']);
    t.ask({ leavingServers: '1' });
    const deadline = Date.now() + 5000;
    while (t.proposed.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    expect(t.proposed).toHaveLength(3); // taken at the third attempt, and not proposed again
    t.commit(t.proposed[2]!, sets([2, 3]), 0x20000000a);
    expect(t.answers.map((a) => a.zxid)).toEqual([0x20000000a]);
  });

  it("the leader's refusals are ZooKeeper's errors; an unknown outcome closes the connection", async () => {
    const t = setup(['reconfigInProgress', 'newConfigNoQuorum', 'noLeader']);
    t.ask({ leavingServers: '2' });
    t.ask({ leavingServers: '3' });
    t.ask({ joiningServers: line(4) });
    await new Promise((r) => setImmediate(r));
    expect(t.answers.map((a) => ErrorCode[a.reply.err])).toEqual(['ReconfigInProgress', 'NewConfigNoQuorum']);
    expect(t.closed()).toBe(1);
  });
});

describe('reconfig request checks', () => {
  // kazoo's TestReconfig sends these without the super user's credentials and expects ZooKeeper's answers, which
  // check the WRITE permission on /zookeeper/config last (PrepRequestProcessor).
  it('a wrong config version or a malformed request is reported before a missing permission, as in ZooKeeper', () => {
    const t = setup([], false);
    t.ask({ joiningServers: line(4), curConfigId: 0x1234 });
    t.ask({ joiningServers: 'some thing' });
    t.ask({ joiningServers: line(4) });
    // Corral's own limits (ids up to 255 here; ZooKeeper takes any) come after the permission.
    t.ask({ joiningServers: 'server.999=0.0.0.0:1234:2345:observer;3456' });
    expect(t.refused).toEqual(['BadVersion', 'BadArguments', 'NoAuth', 'NoAuth']);
    const allowed = setup();
    allowed.ask({ joiningServers: 'server.999=0.0.0.0:1234:2345:observer;3456' });
    expect(allowed.refused).toEqual(['BadArguments']);
    expect([...t.proposed, ...allowed.proposed]).toEqual([]);
  });
});
