import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SessionEntry, SessionRegistry } from '../../src/member/sessions.js';

describe('SessionRegistry', () => {
  it('derives a local session password that is stable, 16 bytes, and differs between sessions', () => {
    const registry = new SessionRegistry(1, 2000, 0);
    const [a, b] = [registry.newSessionId(), registry.newSessionId()];
    const entryA = new SessionEntry(a, 6000, true);
    expect(entryA.passwd).toHaveLength(16);
    expect(entryA.passwd.equals(new SessionEntry(a, 30_000, true).passwd)).toBe(true);
    expect(entryA.passwd.equals(new SessionEntry(b, 6000, true).passwd)).toBe(false);
  });

  it('hands out 16-byte global session passwords that do not repeat, across refills of its random pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const p = SessionRegistry.newPassword();
      expect(p).toHaveLength(16);
      seen.add(p.toString('hex'));
    }
    expect(seen.size).toBe(1000);
  });

  it('keeps the password a global session was created with', () => {
    const passwd = SessionRegistry.newPassword();
    expect(new SessionEntry(7n, 6000, false, passwd).passwd).toBe(passwd);
  });

  it('expires an untouched session one bucket after its timeout and keeps it registered until removed', () => {
    const registry = new SessionRegistry(1, 1000, 0);
    const s = new SessionEntry(1n, 3000, false);
    registry.add(s, 0);
    expect(registry.deadlineOf(s)).toBe(4000);
    registry.touch(s, 1500); // deadline 4500 -> bucket at 5000
    expect(registry.expired(4999)).toEqual([]);
    expect(registry.expired(5000)).toEqual([s]);
    expect(registry.get(1n)).toBe(s);
    // A follower waiting for the leader's verdict puts an expired session back in line.
    registry.touch(s, 5000);
    expect(registry.deadlineOf(s)).toBe(9000);
  });

  it('does not bring back a removed or closing session when it is touched', () => {
    const registry = new SessionRegistry(1, 1000, 0);
    const removed = new SessionEntry(1n, 3000, true);
    const closing = new SessionEntry(2n, 3000, false);
    registry.add(removed, 0);
    registry.add(closing, 0);
    registry.remove(1n);
    closing.closing = true;
    registry.touch(removed, 500);
    registry.touch(closing, 2500);
    expect(registry.deadlineOf(removed)).toBeUndefined();
    expect(registry.expired(100_000)).toEqual([closing]);
    expect(registry.size).toBe(1);
  });
});

describe('SessionEntry', () => {
  it('keeps local, closing and reportPending as three independent yes/no values', () => {
    const flag = fc.constantFrom('local' as const, 'closing' as const, 'reportPending' as const);
    fc.assert(fc.property(fc.boolean(), fc.array(fc.tuple(flag, fc.boolean()), { maxLength: 20 }), (local, sets) => {
      const entry = new SessionEntry(1n, 6000, local);
      const model = { local, closing: false, reportPending: false };
      for (const [name, on] of sets) {
        entry[name] = on;
        model[name] = on;
      }
      expect({ local: entry.local, closing: entry.closing, reportPending: entry.reportPending }).toEqual(model);
    }));
  });
});
