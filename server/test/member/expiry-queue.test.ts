import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExpiryQueue, type Expiring } from '../../src/member/expiry-queue.js';

class Item implements Expiring {
  expiryBucket = 0;
  constructor(readonly name: string) {}
}

const names = (items: Item[]) => items.map((i) => i.name).sort();

describe('ExpiryQueue', () => {
  it('expires an item in the bucket after its deadline, rounded up to the next interval', () => {
    const q = new ExpiryQueue<Item>(100, 0);
    const a = new Item('a');
    q.touch(a, 0, 250); // deadline 250 -> bucket at 300
    expect(q.deadlineOf(a)).toBe(300);
    expect(q.expire(299)).toEqual([]);
    expect(names(q.expire(300))).toEqual(['a']);
    expect(q.has(a)).toBe(false);
    expect(q.deadlineOf(a)).toBeUndefined();
    expect(q.size).toBe(0);
  });

  it('counts intervals from its creation time, not from the epoch', () => {
    const q = new ExpiryQueue<Item>(100, 1_050);
    const a = new Item('a');
    q.touch(a, 1_050, 100); // deadline 1150 -> bucket at 1150 + one interval's rounding = 1250
    expect(q.deadlineOf(a)).toBe(1_250);
    expect(q.expire(1_249)).toEqual([]);
    expect(names(q.expire(1_250))).toEqual(['a']);
  });

  it('a touch moves the item later; remove forgets it', () => {
    const q = new ExpiryQueue<Item>(100, 0);
    const [a, b] = [new Item('a'), new Item('b')];
    q.touch(a, 0, 150);
    q.touch(b, 0, 150);
    q.touch(a, 150, 150);
    q.remove(b);
    q.remove(new Item('never queued'));
    expect(q.size).toBe(1);
    expect(q.expire(250)).toEqual([]);
    expect(names(q.expire(400))).toEqual(['a']);
  });

  it('never expires an item before its timeout and always by one interval after it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.record({ key: fc.nat(5), at: fc.nat(1000), timeout: fc.integer({ min: 1, max: 500 }), remove: fc.boolean() }), { maxLength: 30 }),
        (interval, touches) => {
          const q = new ExpiryQueue<Item>(interval, 0);
          const items = Array.from({ length: 6 }, (_, i) => new Item(String(i)));
          const deadline = new Map<Item, number>();
          touches.sort((a, b) => a.at - b.at);
          let now = 0;
          const check = (until: number) => {
            for (; now <= until; now++) {
              for (const item of q.expire(now)) {
                expect(deadline.has(item)).toBe(true);
                expect(now).toBeGreaterThan(deadline.get(item)!);
                expect(now).toBeLessThanOrEqual(deadline.get(item)! + interval);
                deadline.delete(item);
              }
              for (const d of deadline.values()) expect(now).toBeLessThanOrEqual(d + interval);
            }
          };
          for (const t of touches) {
            check(t.at);
            const item = items[t.key]!;
            if (t.remove) {
              q.remove(item);
              deadline.delete(item);
            } else {
              q.touch(item, t.at, t.timeout);
              deadline.set(item, t.at + t.timeout);
            }
            expect(q.size).toBe(deadline.size);
          }
          check(2000);
          expect(q.size).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });
});
