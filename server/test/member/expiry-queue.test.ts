import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExpiryQueue } from '../../src/member/expiry-queue.js';

describe('ExpiryQueue', () => {
  it('expires a key in the bucket after its deadline, rounded up to the next interval', () => {
    const q = new ExpiryQueue<string>(100, 0);
    q.touch('a', 0, 250); // deadline 250 -> bucket 300
    expect(q.expire(299)).toEqual([]);
    expect(q.expire(300)).toEqual(['a']);
    expect(q.has('a')).toBe(false);
    expect(q.size).toBe(0);
  });

  it('a touch moves the key later; remove forgets it', () => {
    const q = new ExpiryQueue<string>(100, 0);
    q.touch('a', 0, 150);
    q.touch('b', 0, 150);
    q.touch('a', 150, 150);
    q.remove('b');
    q.remove('missing');
    expect(q.expire(250)).toEqual([]);
    expect(q.expire(400)).toEqual(['a']);
  });

  it('never expires a key before its timeout and always by one interval after it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.record({ key: fc.nat(5), at: fc.nat(1000), timeout: fc.integer({ min: 1, max: 500 }) }), { maxLength: 30 }),
        (interval, touches) => {
          const q = new ExpiryQueue<number>(interval, 0);
          const deadline = new Map<number, number>();
          touches.sort((a, b) => a.at - b.at);
          let now = 0;
          const check = (until: number) => {
            for (; now <= until; now++) {
              for (const k of q.expire(now)) {
                expect(now).toBeGreaterThan(deadline.get(k)!);
                expect(now).toBeLessThanOrEqual(deadline.get(k)! + interval);
                deadline.delete(k);
              }
              for (const d of deadline.values()) expect(now).toBeLessThanOrEqual(d + interval);
            }
          };
          for (const t of touches) {
            check(t.at);
            q.touch(t.key, t.at, t.timeout);
            deadline.set(t.key, t.at + t.timeout);
          }
          check(2000);
          expect(q.size).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });
});
