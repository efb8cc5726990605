// planReconfig: ZooKeeper reconfig requests (incremental and non-incremental) turned into membership changes.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ErrorCode } from '../../../protocol/src/constants.js';
import type { ReconfigRequest } from '../../../protocol/src/records.js';
import { formatServerLine, parseServerSpec, type ServerSpec } from '../../src/config/server-line.js';
import { planReconfig, type ReconfigPlan } from '../../src/member/reconfig.js';

const line = (id: number, role = 'participant') => `server.${id}=127.0.0.1:${2880 + id}:${3880 + id}:${role};${2180 + id}`;
const spec = (id: number, role = 'participant'): ServerSpec => parseServerSpec(id, line(id, role).split('=')[1]!);
const serversOf = (...specs: ServerSpec[]) => new Map(specs.map((s) => [s.id, s]));
const three = serversOf(spec(1), spec(2), spec(3));
const VERSION = 0x100000003;

function request(r: Partial<ReconfigRequest>): ReconfigRequest {
  return { joiningServers: null, leavingServers: null, newMembers: null, curConfigId: -1, ...r };
}

/** The changes of a plan as `id:role`, or the error's name. */
function summary(plan: ReconfigPlan): string[] | string {
  if ('err' in plan) return ErrorCode[plan.err];
  return plan.changes.map((c) => `${c.id}:${c.role}`);
}

describe('planReconfig', () => {
  it('adds two members in one incremental request, carrying their server lines', () => {
    const plan = planReconfig(request({ joiningServers: `${line(4)},${line(5)}` }), three, VERSION, 7);
    expect(plan).toEqual({
      changes: [
        { id: 4, role: 'voter', info: { spec: spec(4), time: 7 } },
        { id: 5, role: 'voter', info: { spec: spec(5), time: 7 } },
      ],
    });
  });

  it('joins and leaves in the same request, as `-add server.4=...,server.5=... -remove 2` does', () => {
    const plan = planReconfig(request({ joiningServers: `${line(4)},${line(5, 'observer')}`, leavingServers: '2' }), three, VERSION, 0);
    expect(summary(plan)).toEqual(['4:voter', '5:observer', '2:removed']);
  });

  it('removes two members', () => {
    expect(summary(planReconfig(request({ leavingServers: '2, 3' }), three, VERSION, 0))).toEqual(['2:removed', '3:removed']);
  });

  it('changes roles of existing members (participant <-> observer, never-leader flag)', () => {
    const servers = serversOf(spec(1), spec(2), spec(3), spec(4, 'observer'));
    const plan = planReconfig(request({ joiningServers: `${line(3, 'observer')},${line(4)},${line(2, 'neverleader')}` }), servers, VERSION, 0);
    expect(summary(plan)).toEqual(['3:observer', '4:voter', '2:neverLeader']);
  });

  it('newMembers: only the members whose line differs change; those left out leave', () => {
    const plan = planReconfig(request({ newMembers: [line(1), line(3, 'observer'), line(4), line(5)].join(',') }), three, VERSION, 0);
    expect(summary(plan)).toEqual(['3:observer', '4:voter', '5:voter', '2:removed']);
  });

  it('BADVERSION unless the config version matches (-1 matches any)', () => {
    const add = { joiningServers: line(4) };
    expect(summary(planReconfig(request({ ...add, curConfigId: VERSION + 1 }), three, VERSION, 0))).toBe('BadVersion');
    expect(summary(planReconfig(request({ ...add, curConfigId: VERSION }), three, VERSION, 0))).toEqual(['4:voter']);
  });

  it('BADARGUMENTS for requests that are malformed, contradictory or change nothing', () => {
    const bad = (r: Partial<ReconfigRequest>, servers = three) => summary(planReconfig(request(r), servers, VERSION, 0));
    expect(bad({ joiningServers: 'server.4=nonsense' })).toBe('BadArguments');
    expect(bad({ joiningServers: 'server.4=127.0.0.1:2884:3884' })).toBe('BadArguments'); // no client port
    expect(bad({ leavingServers: 'two' })).toBe('BadArguments');
    expect(bad({ leavingServers: '9' })).toBe('BadArguments'); // not a member
    expect(bad({ joiningServers: line(4), leavingServers: '4' })).toBe('BadArguments'); // both joins and leaves
    expect(bad({ joiningServers: line(2) })).toBe('BadArguments'); // already exactly so
    expect(bad({ newMembers: [line(1), line(2), line(3)].join(',') })).toBe('BadArguments'); // nothing changes
    expect(bad({ leavingServers: '1,2,3' })).toBe('BadArguments'); // no participant left
    expect(bad({ newMembers: [line(1, 'observer'), line(2, 'neverleader')].join(',') })).toBe('BadArguments');
  });

  it('newMembers: applying the planned changes yields exactly the requested servers', () => {
    const roleArb = fc.constantFrom('participant', 'observer', 'neverleader');
    const serversArb = fc.dictionary(fc.constantFrom('1', '2', '3', '4', '5', '6'), roleArb, { minKeys: 1 });
    fc.assert(
      fc.property(serversArb, serversArb, (current, wanted) => {
        const servers = serversOf(...Object.entries(current).map(([id, role]) => spec(Number(id), role)));
        const requested = Object.entries(wanted).map(([id, role]) => spec(Number(id), role));
        const plan = planReconfig(request({ newMembers: requested.map((s) => formatServerLine(s)).join(',') }), servers, VERSION, 0);
        const same = JSON.stringify([...servers.values()].sort((a, b) => a.id - b.id)) === JSON.stringify(requested.sort((a, b) => a.id - b.id));
        if ('err' in plan) {
          expect(plan.err).toBe(ErrorCode.BadArguments);
          expect(same || !requested.some((s) => s.role === 'participant')).toBe(true);
          return;
        }
        const after = new Map(servers);
        for (const c of plan.changes) {
          if (c.role === 'removed') after.delete(c.id);
          else after.set(c.id, c.info.spec!);
        }
        expect([...after.values()].sort((a, b) => a.id - b.id)).toEqual(requested);
      }),
    );
  });
});
